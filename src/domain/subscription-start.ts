import { ruleViolation } from './errors.js';
import { chargeTime, type Schedule } from './schedule.js';

/** How far in the past a first charge may be given: clock skew and a slow client, not a backlog. */
export const PAST_START_TOLERANCE_MS = 5 * 60_000;

export interface StartRequest {
  schedule: Schedule;
  timeZone: string;
  nowMs: number;
  /** When the first charge Tollgate makes is due, and the request field that said so. */
  firstChargeAt?: { ms: number; field: 'first_charge_at' | 'next_charge_at' } | undefined;
  /** Periods already paid before Tollgate charges: by a first payment (≥ 1) or in another system. */
  periodsPaid: number;
  /** When the first payment that paid period 0 succeeded, if the subscription starts from one. */
  firstPaymentAtMs?: number | undefined;
}

/** Where a new subscription's schedule starts: period `anchorPeriod` falls due at `anchorAtMs`. */
export interface StartPlan {
  anchorAtMs: number;
  anchorPeriod: number;
  /** The period charged next; the ones before it are never charged. */
  period: number;
  /** null for automatic schedules (charged only on request). */
  nextChargeAtMs: number | null;
}


/**
 * Plans the start so that nothing is charged for time that has passed: a first charge in the past
 * is refused (a monthly subscription dated a year back would otherwise charge twelve times at
 * once), periods already paid are skipped, and a first payment is period 0 itself (REMP, Uniteller:
 * "the first payment is the first charge"), so the next charge is one period after it.
 */
export function planStart(r: StartRequest): StartPlan {
  const earliest = r.nowMs - PAST_START_TOLERANCE_MS;
  if (r.firstChargeAt) {
    const { ms, field } = r.firstChargeAt;
    if (ms < earliest) {
      throw ruleViolation(field, 'is more than 5 minutes in the past; nothing is charged for past periods — to move an existing subscription in, give next_charge_at in the future and periods_paid');
    }
    return { anchorAtMs: ms, anchorPeriod: r.periodsPaid, period: r.periodsPaid, nextChargeAtMs: chargeTime(r.schedule, ms, r.timeZone, 0) };
  }
  if (r.firstPaymentAtMs !== undefined) {
    const next = chargeTime(r.schedule, r.firstPaymentAtMs, r.timeZone, r.periodsPaid);
    if (next !== null && next < earliest) {
      throw ruleViolation(
        'payment_method.payment_id',
        `the periods paid by that payment ended at ${new Date(next).toISOString()}; give next_charge_at to say when the next charge is due`,
      );
    }
    return { anchorAtMs: r.firstPaymentAtMs, anchorPeriod: 0, period: r.periodsPaid, nextChargeAtMs: next };
  }
  return { anchorAtMs: r.nowMs, anchorPeriod: r.periodsPaid, period: r.periodsPaid, nextChargeAtMs: chargeTime(r.schedule, r.nowMs, r.timeZone, 0) };
}
