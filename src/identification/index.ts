/** What the API and the channels (terminals, the top-up portal) take from the identification runtime. */
export { createIdentifyPayer, type IdentifyPayerDeps } from './identify.js';
export { maskName } from './mask.js';
export { atLeastMinimum, leastSumMinor, recommendedSumMinor } from './recommended.js';
export { normaliseIdentifier, STORED_IDENTIFIER_KINDS, type StoredIdentifierKind } from './normalise.js';
export { accountExpressionProblem, identificationChannel, IdentificationSettings } from './settings.js';
export * from './types.js';
