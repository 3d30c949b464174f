/**
 * Recurring subscriptions: states, who may move them where, and what each charge outcome leads to.
 * Pure; the subscription workflow applies these rules and the SQL CHECKs list the same states.
 *
 * REMP's vocabulary maps onto these states: active → active, user_stop → user_stopped,
 * admin_stop → admin_stopped, system_stop → system_stopped, pending/charge_failed → past_due
 * (a failed charge with retries left); "charged" is an attempt status, not a subscription state.
 */
export const SUBSCRIPTION_STATES = ['active', 'charging', 'past_due', 'user_stopped', 'admin_stopped', 'system_stopped'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export const STOPPED_STATES = ['user_stopped', 'admin_stopped', 'system_stopped'] as const satisfies readonly SubscriptionState[];

export type StoppedReason =
  | 'user_request'
  | 'admin_request'
  | 'hard_decline'
  | 'retries_exhausted'
  | 'card_expired'
  | 'ended'
  /** A dispute (chargeback) of one of its charges was lost (unless the gateway says keep_subscription). */
  | 'disputed';

/** How a gateway answered a charge, classified. */
// action_required: the issuer wants the customer to authenticate (SCA, PSD2 art. 97); no money moved.
export const CHARGE_OUTCOMES = ['success', 'soft_decline', 'hard_decline', 'technical_error', 'action_required', 'unknown'] as const;
export type ChargeOutcome = (typeof CHARGE_OUTCOMES)[number];

/** The charge-attempt row's status for each outcome (no default branch: every outcome is named). */
export const ATTEMPT_STATUS_FOR_OUTCOME = {
  success: 'succeeded',
  soft_decline: 'failed',
  hard_decline: 'failed',
  technical_error: 'failed',
  action_required: 'failed',
  unknown: 'unknown',
} as const satisfies Record<ChargeOutcome, 'succeeded' | 'failed' | 'unknown'>;

/**
 * The stops that mean charging failed for good: the bank refused for good, or the retry schedule
 * ran out (also an SCA link left unpaid). A past_due subscription has not failed yet (retries are
 * pending); a card that expired or an end date stop a subscription without a charge failing.
 */
export const CHARGE_FAILURE_STOPS = ['hard_decline', 'retries_exhausted'] as const satisfies readonly StoppedReason[];
export type ChargeFailureStop = (typeof CHARGE_FAILURE_STOPS)[number];

/**
 * A charge attempt's outcome as a person reads it: the bank said no (declined), the charge did not
 * get an answer Tollgate can act on (errored: a technical error or an unknown outcome, which
 * Tollgate retries or resolves by itself), or the bank asks the cardholder to authenticate.
 */
export type AttemptResult = 'succeeded' | 'declined' | 'errored' | 'authentication';
export const ATTEMPT_RESULT_FOR_OUTCOME = {
  success: 'succeeded',
  soft_decline: 'declined',
  hard_decline: 'declined',
  technical_error: 'errored',
  action_required: 'authentication',
  unknown: 'errored',
} as const satisfies Record<ChargeOutcome, AttemptResult>;

/**
 * Whether a failed attempt is one the customer must act on (a decline: funds, another card; an
 * authentication the bank asks for). A technical error or an unknown outcome is Tollgate's to
 * retry or resolve: telling the customer their payment failed would be untrue and alarming.
 */
export function customerMustAct(outcome: ChargeOutcome): boolean {
  return ATTEMPT_RESULT_FOR_OUTCOME[outcome] === 'declined' || ATTEMPT_RESULT_FOR_OUTCOME[outcome] === 'authentication';
}

export type Actor = 'user' | 'admin';

/**
 * Why a request cannot be honoured now; undefined when it can. A stop during a charge is taken:
 * the workflow applies it as soon as that charge ends (stopTakesEffect).
 */
export function stopConflict(state: SubscriptionState, by: Actor, pendingStopBy: Actor | null = null): string | undefined {
  if (state === 'active' || state === 'past_due') return undefined;
  if (state === 'charging') {
    if (pendingStopBy === 'admin' && by === 'user') return 'the subscription is being stopped by an administrator';
    if (pendingStopBy === by) return 'a stop is already pending; it takes effect when the charge in progress ends';
    return undefined;
  }
  if (state === 'admin_stopped' && by === 'user') return 'the subscription was stopped by an administrator';
  return `the subscription is already ${state}`;
}

export function reactivateConflict(state: SubscriptionState, nextChargeAtMs: number | null, nowMs: number): string | undefined {
  if (state !== 'user_stopped') return `only a subscription stopped by its user can be reactivated; this one is ${state}`;
  // REMP: allowed while the next charge is at or after now. Automatic subscriptions have no next
  // charge date: nothing can have passed.
  if (nextChargeAtMs !== null && nextChargeAtMs < nowMs) return 'the next charge date has passed; create a new subscription';
  return undefined;
}

export function resumeConflict(state: SubscriptionState): string | undefined {
  return state === 'admin_stopped' ? undefined : `only an admin-stopped subscription can be resumed; this one is ${state}`;
}

export function chargeNowConflict(state: SubscriptionState): string | undefined {
  if (state === 'active' || state === 'past_due') return undefined;
  if (state === 'charging') return 'a charge is already in progress';
  return `a ${state} subscription cannot be charged`;
}

/** Technical errors retry this many times per attempt before they count as a soft decline. */
export const MAX_TECHNICAL_RETRIES = 5;
/** Technical errors retry after 1, 2, 4, 8, 16 minutes. */
export function technicalRetryDelayMs(technicalRetries: number): number {
  return 60_000 * 2 ** Math.min(technicalRetries, 4);
}

export type NextStep =
  | { kind: 'next_period' }
  | { kind: 'retry'; delayMs: number; spendsBudget: boolean }
  | { kind: 'stop'; reason: StoppedReason }
  /**
   * The card needs its holder to authenticate: only the customer, on a payment link, can pay this
   * period. No off-session retry — the issuer would ask again, and one that did go through would
   * race the customer paying the link (src/workflows/subscription-authentication.ts).
   */
  | { kind: 'await_customer' };

/**
 * What follows a classified charge outcome. `softDeclines` counts soft declines already spent in
 * this period (before this one); `retryDelaysMs` is the retry schedule.
 */
export function nextStep(
  outcome: Exclude<ChargeOutcome, 'unknown'>,
  softDeclines: number,
  technicalRetries: number,
  retryDelaysMs: readonly number[],
): NextStep {
  switch (outcome) {
    case 'success':
      return { kind: 'next_period' };
    case 'hard_decline':
      return { kind: 'stop', reason: 'hard_decline' };
    case 'technical_error':
      if (technicalRetries < MAX_TECHNICAL_RETRIES) {
        return { kind: 'retry', delayMs: technicalRetryDelayMs(technicalRetries), spendsBudget: false };
      }
      return softDeclineStep(softDeclines, retryDelaysMs);
    case 'soft_decline':
      return softDeclineStep(softDeclines, retryDelaysMs);
    case 'action_required':
      return { kind: 'await_customer' };
  }
}

function softDeclineStep(softDeclines: number, retryDelaysMs: readonly number[]): NextStep {
  const delay = retryDelaysMs[softDeclines];
  return delay === undefined ? { kind: 'stop', reason: 'retries_exhausted' } : { kind: 'retry', delayMs: delay, spendsBudget: true };
}

/** The last instant a card with expiry "YYYY-MM" can be charged: the end of that month (UTC). */
export function cardExpiresAtMs(expires: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(expires);
  if (!m) throw new RangeError(`card expiry "${expires}" is not YYYY-MM`);
  return Date.UTC(Number(m[1]), Number(m[2]), 1) - 1;
}
