import { UnavailableError } from '../domain/errors.js';
import { isMissingSearchAttribute } from './setup.js';

/**
 * Why a workflow start failed, as the API says it: a namespace without Tollgate's search attributes
 * is an operator's setup step, not an outage, and is named as such.
 */
export function startFailure(err: unknown): UnavailableError {
  const cause = err instanceof Error ? err.message : String(err);
  if (isMissingSearchAttribute(err)) {
    return new UnavailableError(
      "Temporal refused to start the workflow because Tollgate's search attributes are not registered in its namespace (an operator runs `tollgate temporal setup`); nothing was created, retry with the same Idempotency-Key afterwards",
      { cause },
    );
  }
  return new UnavailableError('Temporal is unreachable; nothing was created, retry with the same Idempotency-Key', { cause });
}
