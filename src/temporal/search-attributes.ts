import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Tollgate's search attributes: how an operator finds a workflow in the Temporal UI
 * (e.g. `TollgateCustomerId = 'cus_…'`). The dev server registers these names at start; anywhere else `tollgate temporal setup` does.
 */
export const TollgateKind = defineSearchAttributeKey('TollgateKind', SearchAttributeType.KEYWORD);
export const TollgateCustomerId = defineSearchAttributeKey('TollgateCustomerId', SearchAttributeType.KEYWORD);
export const TollgateState = defineSearchAttributeKey('TollgateState', SearchAttributeType.KEYWORD);
export const TollgateNextActionAt = defineSearchAttributeKey('TollgateNextActionAt', SearchAttributeType.DATETIME);
export const TollgateAmountMinor = defineSearchAttributeKey('TollgateAmountMinor', SearchAttributeType.INT);

/** name → CLI type, for `temporal server start-dev --search-attribute` and operator setup. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<readonly [string, string]> = [
  [TollgateKind.name, 'Keyword'],
  [TollgateCustomerId.name, 'Keyword'],
  [TollgateState.name, 'Keyword'],
  [TollgateNextActionAt.name, 'Datetime'],
  [TollgateAmountMinor.name, 'Int'],
];

/** Every search attribute Tollgate sets, for `tollgate temporal setup`. */
export const TOLLGATE_SEARCH_ATTRIBUTES = [TollgateKind, TollgateCustomerId, TollgateState, TollgateNextActionAt, TollgateAmountMinor] as const;
