/**
 * A refund's states. `pending` waits for the gateway; `requires_manual` for a person who pays the
 * money back (bank transfers) and confirms it. Both of the others are final. The sum a target's
 * refunds hold (refunded_minor) counts every refund that is not `failed`.
 */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed', 'requires_manual'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
export type FinalRefundStatus = Extract<RefundStatus, 'succeeded' | 'failed'>;

/** Which states a refund may move to; the db functions refuse anything else. */
export const REFUND_TRANSITIONS = {
  pending: ['succeeded', 'failed'],
  requires_manual: ['succeeded'],
  succeeded: [],
  failed: [],
} as const satisfies Record<RefundStatus, readonly FinalRefundStatus[]>;

export function isFinalRefundStatus(s: RefundStatus): s is FinalRefundStatus {
  return REFUND_TRANSITIONS[s].length === 0;
}

/** Why a refund of this captured amount cannot be created, or undefined when it can. */
export function refundAmountConflict(req: { amountMinor: bigint }, target: { amountMinor: bigint; refundedMinor: bigint }): string | undefined {
  const left = target.amountMinor - target.refundedMinor;
  if (left <= 0n) return 'nothing is left to refund: every captured unit is held by a refund that did not fail';
  if (req.amountMinor > left) return `the amount exceeds what is left to refund (${left} minor units)`;
  return undefined;
}

/** Late successes: refund the money automatically, or keep it for the billing system to credit. */
export const LATE_SUCCESS_POLICIES = ['refund', 'keep'] as const;
export type LateSuccessPolicy = (typeof LATE_SUCCESS_POLICIES)[number];
