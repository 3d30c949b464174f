import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Schedule } from '../domain/schedule.js';
import type { StoppedReason, SubscriptionState } from '../domain/subscription.js';
import type { ChargeRequestEntry, ChargeRequestKey } from './charge-requests.js';

/**
 * Everything a subscription workflow carries across continue-as-new. Amounts are integer minor
 * units (JSON-safe integers); times are ISO strings.
 */
export interface SubscriptionTerms {
  amountMinor: number;
  currency: string;
  schedule: Schedule & { amount_hook?: string };
  timeZone: string;
  /** Period `anchorPeriod` is due at chargeTime(schedule, anchorAt, 0); later periods count from it. */
  anchorAt: string;
  anchorPeriod: number;
  endsAt: string | null;
  minAmountMinor: number | null;
  maxAmountMinor: number | null;
  retryDelaysMs: number[];
  gateway: string;
  /**
   * The gateway mode the subscription was created in; every charge uses it, whatever the gateway's
   * mode is now (the Assist seed's warning). Absent only in snapshots written before it existed:
   * the charge activity then reads it from the subscription row.
   */
  mode?: 'test' | 'live';
  paymentMethod: { token: string; expires: string | null };
  cardExpiryNoticeMs: number;
}

export interface SubscriptionSnapshot {
  subscriptionId: string;
  customerId: string;
  terms: SubscriptionTerms;
  /** Amount and/or schedule that take effect from the next period. */
  pending: { amountMinor?: number; schedule?: SubscriptionTerms['schedule'] } | null;
  state: SubscriptionState;
  stoppedReason: StoppedReason | null;
  stoppedBy: 'user' | 'admin' | 'system' | null;
  /** The period charged next (0-based). */
  period: number;
  nextChargeAt: string | null;
  softDeclines: number;
  technicalRetries: number;
  /** Attempts made in this period; the next attempt's number. */
  attempt: number;
  retryAt: string | null;
  /** The card expiry (YYYY-MM) a card.expiring notice was already sent for. */
  expiryNoticeFor: string | null;
  /** An automatic-mode charge the billing system asked for, waiting to run. */
  requestedAmountMinor: number | null;
  /**
   * The period waits for its customer to authenticate (SCA) and pay on this payment link; absent
   * or null when nothing waits (src/workflows/subscription-authentication.ts).
   */
  awaitingCustomer?: AwaitingCustomer | null;
  /** Charge requests taken by Idempotency-Key (src/workflows/charge-requests.ts); absent in older snapshots. */
  chargeRequests?: ChargeRequestEntry<SubscriptionView>[];
}

export interface AwaitingCustomer {
  period: number;
  linkId: string;
  expiresAt: string;
  /** When the workflow reads the link (its expiry and a grace, or a payment's deadline) before it gives up. */
  checkAt: string;
  /** A success of this link's payment the workflow was told of, recorded at its next step. */
  paidBy: string | null;
}

export interface StopRequest {
  by: 'user' | 'admin';
  reason?: string;
}

/** What updates answer: the subscription as the workflow now sees it. */
export type SubscriptionView = Pick<
  SubscriptionSnapshot,
  'subscriptionId' | 'state' | 'stoppedReason' | 'stoppedBy' | 'period' | 'nextChargeAt' | 'retryAt' | 'pending'
> & {
  amountMinor: number;
  /** A stop that arrived during a charge: it takes effect as soon as that charge ends. */
  pendingStop: StopRequest | null;
};

export const stopUpdate = defineUpdate<SubscriptionView, [StopRequest]>('stop');
export const reactivateUpdate = defineUpdate<SubscriptionView, []>('reactivate');
export const resumeUpdate = defineUpdate<SubscriptionView, []>('resume');
export const chargeNowUpdate = defineUpdate<SubscriptionView, [{ amount?: number } & ChargeRequestKey]>('chargeNow');
export const changeTermsUpdate = defineUpdate<SubscriptionView, [{ amount?: number; schedule?: SubscriptionTerms['schedule'] }]>('changeTerms');
export const paymentMethodUpdate = defineUpdate<SubscriptionView, [{ token: string; expires: string | null }]>('updatePaymentMethod');

/** Operator signals: plain JSON typed into the Temporal UI ("Send a Signal"). */
export const adminStopSignal = defineSignal<[{ reason?: string }]>('adminStop');
export const adminResumeSignal = defineSignal<[]>('adminResume');
export const adminChargeNowSignal = defineSignal<[{ amount?: number }]>('adminChargeNow');
/** From `payment:<id>`: a payment of the period's link (SCA) succeeded. */
export const periodPaidSignal = defineSignal<[{ paymentId: string; period: number }]>('periodPaidByLink');

/** A dispute of one of this subscription's charges was lost (sent by `dispute:<gateway>:<id>`). */
export interface DisputeLost {
  disputeId: string;
  chargeAttemptId: string;
}
/** Stops the subscription as system_stopped, reason disputed (src/workflows/dispute.ts sends it). */
export const disputeLostSignal = defineSignal<[DisputeLost]>('disputeLost');

export const subscriptionStateQuery = defineQuery<SubscriptionSnapshot>('state');
