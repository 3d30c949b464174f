import type Stripe from 'stripe';
import type { ChargeResult, DisputeUpdate, RefundOutcome } from '../types.js';

/**
 * Stripe's statuses and decline codes onto Tollgate's outcomes, one closed table each (no default
 * branch). Stripe's enums end in `OtherString` (values newer than the SDK); KnownLiterals keeps the
 * SDK's named members, so each table must name every one of them, and a newer value is handled
 * where it is read, by name (unknownDeclineOutcome, or a schema refusal), never by a catch-all row.
 */
export type KnownLiterals<T> = T extends string ? (string extends T ? never : T) : never;

type ChargeOutcome = ChargeResult['outcome'];

/**
 * Decline codes, https://docs.stripe.com/declines/codes. soft: the same card may pass later
 * (funds, limits, an unexplained issuer refusal); hard: it never will (lost, stolen, closed,
 * wrong data, not allowed) — the subscription stops for a new card; technical: nothing was
 * decided (the issuer or Stripe could not process it), retried soon without spending the budget.
 * authentication_required is SCA: the issuer wants the customer present.
 */
export const STRIPE_DECLINE_CODES = [
  'approve_with_id',
  'authentication_required',
  'call_issuer',
  'card_not_supported',
  'card_velocity_exceeded',
  'currency_not_supported',
  'do_not_honor',
  'do_not_try_again',
  'duplicate_transaction',
  'expired_card',
  'fraudulent',
  'generic_decline',
  'incorrect_cvc',
  'incorrect_number',
  'incorrect_pin',
  'incorrect_zip',
  'insufficient_funds',
  'invalid_account',
  'invalid_amount',
  'invalid_cvc',
  'invalid_expiry_month',
  'invalid_expiry_year',
  'invalid_number',
  'invalid_pin',
  'issuer_not_available',
  'lost_card',
  'merchant_blacklist',
  'new_account_information_available',
  'no_action_taken',
  'not_permitted',
  'offline_pin_required',
  'online_or_offline_pin_required',
  'pickup_card',
  'pin_try_exceeded',
  'processing_error',
  'reenter_transaction',
  'restricted_card',
  'revocation_of_all_authorizations',
  'revocation_of_authorization',
  'security_violation',
  'service_not_allowed',
  'stolen_card',
  'stop_payment_order',
  'testmode_decline',
  'transaction_not_allowed',
  'try_again_later',
  'withdrawal_count_limit_exceeded',
] as const;
export type StripeDeclineCode = (typeof STRIPE_DECLINE_CODES)[number];

export const DECLINE_CODE_OUTCOME = {
  approve_with_id: 'soft_decline',
  authentication_required: 'action_required',
  call_issuer: 'soft_decline',
  card_not_supported: 'hard_decline',
  card_velocity_exceeded: 'soft_decline',
  currency_not_supported: 'hard_decline',
  do_not_honor: 'soft_decline',
  do_not_try_again: 'hard_decline',
  duplicate_transaction: 'soft_decline',
  expired_card: 'hard_decline',
  fraudulent: 'hard_decline',
  generic_decline: 'soft_decline',
  incorrect_cvc: 'hard_decline',
  incorrect_number: 'hard_decline',
  incorrect_pin: 'hard_decline',
  incorrect_zip: 'hard_decline',
  insufficient_funds: 'soft_decline',
  invalid_account: 'hard_decline',
  invalid_amount: 'soft_decline',
  invalid_cvc: 'hard_decline',
  invalid_expiry_month: 'hard_decline',
  invalid_expiry_year: 'hard_decline',
  invalid_number: 'hard_decline',
  invalid_pin: 'hard_decline',
  issuer_not_available: 'technical_error',
  lost_card: 'hard_decline',
  merchant_blacklist: 'hard_decline',
  new_account_information_available: 'hard_decline',
  no_action_taken: 'soft_decline',
  not_permitted: 'hard_decline',
  offline_pin_required: 'hard_decline',
  online_or_offline_pin_required: 'hard_decline',
  pickup_card: 'hard_decline',
  pin_try_exceeded: 'hard_decline',
  processing_error: 'technical_error',
  reenter_transaction: 'technical_error',
  restricted_card: 'hard_decline',
  revocation_of_all_authorizations: 'hard_decline',
  revocation_of_authorization: 'hard_decline',
  security_violation: 'hard_decline',
  service_not_allowed: 'hard_decline',
  stolen_card: 'hard_decline',
  stop_payment_order: 'hard_decline',
  testmode_decline: 'hard_decline',
  transaction_not_allowed: 'hard_decline',
  try_again_later: 'technical_error',
  withdrawal_count_limit_exceeded: 'soft_decline',
} as const satisfies Record<StripeDeclineCode, ChargeOutcome>;

/**
 * A decline code newer than this table is what Stripe calls generic_decline ("declined for an
 * unknown reason"): the card may pass later, so it spends a soft-decline retry, never stops a
 * subscription on a word we cannot read.
 */
export function declineOutcome(code: string | undefined): ChargeOutcome {
  if (code !== undefined && Object.hasOwn(DECLINE_CODE_OUTCOME, code)) return DECLINE_CODE_OUTCOME[code as StripeDeclineCode];
  return DECLINE_CODE_OUTCOME.generic_decline;
}

/**
 * What a PaymentIntent's status says about an off-session charge confirmed at once
 * (https://docs.stripe.com/payments/paymentintents/lifecycle). in_flight: not decided yet (asked
 * again by status; a repeat of the key replays the same intent, never a second charge).
 */
export type IntentVerdict = 'success' | 'declined' | 'action_required' | 'in_flight' | 'canceled';
export type KnownIntentStatus = KnownLiterals<Stripe.PaymentIntent.Status>;
export const INTENT_STATUS_VERDICT = {
  succeeded: 'success',
  processing: 'in_flight',
  // Tollgate never asks for manual capture; an authorisation awaiting it has moved no money yet.
  requires_capture: 'in_flight',
  // After a confirm, this is the failed attempt (last_payment_error says why).
  requires_payment_method: 'declined',
  requires_action: 'action_required',
  // confirm: true leaves no intent here; one that is has not been tried.
  requires_confirmation: 'in_flight',
  canceled: 'canceled',
} as const satisfies Record<KnownIntentStatus, IntentVerdict>;

export function intentVerdict(status: string): IntentVerdict | undefined {
  return Object.hasOwn(INTENT_STATUS_VERDICT, status) ? INTENT_STATUS_VERDICT[status as KnownIntentStatus] : undefined;
}

/** Refund statuses, https://docs.stripe.com/refunds#refund-statuses (the SDK types it as a string). */
export const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;
export type StripeRefundStatus = (typeof REFUND_STATUSES)[number];
export const REFUND_STATUS_OUTCOME = {
  pending: 'pending',
  // The customer must give bank details for the refund to land: still on its way.
  requires_action: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'failed',
} as const satisfies Record<StripeRefundStatus, RefundOutcome['status']>;

export function refundStatusOutcome(status: string | null): RefundOutcome['status'] | undefined {
  return status !== null && Object.hasOwn(REFUND_STATUS_OUTCOME, status) ? REFUND_STATUS_OUTCOME[status as StripeRefundStatus] : undefined;
}

/**
 * Dispute statuses, https://docs.stripe.com/disputes/how-disputes-work. An inquiry (warning_*)
 * closed without a chargeback, or one prevented, took no money: Tollgate reads it as won.
 */
export type KnownDisputeStatus = KnownLiterals<Stripe.Dispute.Status>;
export const DISPUTE_STATUS_OUTCOME = {
  warning_needs_response: 'open',
  warning_under_review: 'open',
  warning_closed: 'won',
  needs_response: 'open',
  under_review: 'open',
  appeal_needs_response: 'open',
  appeal_under_review: 'open',
  prevented: 'won',
  won: 'won',
  lost: 'lost',
} as const satisfies Record<KnownDisputeStatus, DisputeUpdate['status']>;
export const KNOWN_DISPUTE_STATUSES = Object.keys(DISPUTE_STATUS_OUTCOME) as KnownDisputeStatus[];
