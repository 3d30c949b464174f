import { CHARGE_FAILURE_STOPS, type ChargeFailureStop, type ChargeOutcome } from '../domain/subscription.js';
import type { Queryable } from './pool.js';

/**
 * The admin's daily summary figures over one local day [from, to). A payment or refund counts on
 * the day it ended (completed_at), or, while still open, on the day it was created; a charge
 * attempt on the day its gateway answered; a subscription's failure on the day it stopped. Sums are per currency: amounts in two currencies are
 * never added together.
 */
export interface MoneyGroup {
  gateway: string;
  /** Test-mode money (a sandbox, a gateway's test keys) is its own row, never added to live money. */
  mode: 'test' | 'live';
  status: string;
  currency: string;
  count: number;
  sum_minor: bigint;
}

/** Subscriptions of one row of the summary's subscription table, per mode and currency. */
export interface SubscriptionGroup {
  mode: 'test' | 'live';
  /** charged: at least one charge succeeded that day; otherwise the stop that ended its charging for good. */
  result: 'charged' | ChargeFailureStop;
  currency: string;
  /** Subscriptions, not attempts: one retried four times and then charged counts once, as charged. */
  count: number;
  /** Charged: the money taken that day. Failed: what each would have charged a period (its amount now). */
  sum_minor: bigint;
}

export interface AttemptOutcomeGroup {
  mode: 'test' | 'live';
  outcome: ChargeOutcome;
  count: number;
}

export interface TemporaryFigures {
  /** Open now (at the summary's writing), however old. */
  open_count: number;
  /** Closed by their expiry during the day (no bank line came in time). */
  expired_count: number;
  created_count: number;
}

export async function paymentsByGatewayAndStatus(db: Queryable, from: Date, to: Date): Promise<MoneyGroup[]> {
  const res = await db.query<MoneyGroup>({
    text: `SELECT gateway, mode, status, currency, count(*)::int AS count, sum(amount_minor)::bigint AS sum_minor
             FROM payments
            WHERE COALESCE(completed_at, created_at) >= $1::timestamptz AND COALESCE(completed_at, created_at) < $2::timestamptz
            GROUP BY gateway, mode, status, currency ORDER BY gateway, mode, status, currency`,
    values: [from, to],
  });
  return res.rows;
}

export async function refundsByGatewayAndStatus(db: Queryable, from: Date, to: Date): Promise<MoneyGroup[]> {
  const res = await db.query<MoneyGroup>({
    text: `SELECT gateway, mode, status, currency, count(*)::int AS count, sum(amount_minor)::bigint AS sum_minor
             FROM refunds
            WHERE COALESCE(completed_at, created_at) >= $1::timestamptz AND COALESCE(completed_at, created_at) < $2::timestamptz
            GROUP BY gateway, mode, status, currency ORDER BY gateway, mode, status, currency`,
    values: [from, to],
  });
  return res.rows;
}

/** Subscriptions with at least one charge that succeeded during the day (by its gateway, or the customer on its link). */
export async function subscriptionsCharged(db: Queryable, from: Date, to: Date): Promise<SubscriptionGroup[]> {
  const res = await db.query<SubscriptionGroup>({
    text: `SELECT mode, 'charged' AS result, currency, count(DISTINCT subscription_id)::int AS count, sum(amount_minor)::bigint AS sum_minor
             FROM charge_attempts
            WHERE status = 'succeeded' AND completed_at >= $1::timestamptz AND completed_at < $2::timestamptz
            GROUP BY mode, currency ORDER BY mode, currency`,
    values: [from, to],
  });
  return res.rows;
}

/**
 * Subscriptions whose charging failed for good during the day: their subscription.stopped event
 * (the day it stopped, whatever happened to the row since) names a charge-failure reason.
 */
export async function subscriptionsFailedForGood(db: Queryable, from: Date, to: Date): Promise<SubscriptionGroup[]> {
  const res = await db.query<SubscriptionGroup>({
    text: `SELECT s.mode, e.payload->>'reason' AS result, s.currency, count(DISTINCT s.id)::int AS count, sum(s.amount_minor)::bigint AS sum_minor
             FROM events e JOIN subscriptions s ON s.id = e.aggregate_id
            WHERE e.type = 'subscription.stopped' AND e.aggregate_type = 'subscription'
              AND e.payload->>'reason' = ANY($3::text[])
              AND e.created_at >= $1::timestamptz AND e.created_at < $2::timestamptz
            GROUP BY s.mode, e.payload->>'reason', s.currency ORDER BY s.mode, e.payload->>'reason', s.currency`,
    values: [from, to, [...CHARGE_FAILURE_STOPS]],
  });
  return res.rows;
}

/** Charge attempts answered during the day by outcome (pending ones wait for their answer). */
export async function chargeAttemptsByOutcome(db: Queryable, from: Date, to: Date): Promise<AttemptOutcomeGroup[]> {
  const res = await db.query<AttemptOutcomeGroup>({
    text: `SELECT mode, outcome, count(*)::int AS count
             FROM charge_attempts
            WHERE outcome IS NOT NULL AND completed_at >= $1::timestamptz AND completed_at < $2::timestamptz
            GROUP BY mode, outcome ORDER BY mode, outcome`,
    values: [from, to],
  });
  return res.rows;
}

export async function temporaryPaymentFigures(db: Queryable, from: Date, to: Date): Promise<TemporaryFigures> {
  const res = await db.query<TemporaryFigures>({
    text: `SELECT count(*) FILTER (WHERE status = 'open')::int AS open_count,
                  count(*) FILTER (WHERE settled_reason = 'expired' AND settled_at >= $1::timestamptz AND settled_at < $2::timestamptz)::int AS expired_count,
                  count(*) FILTER (WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz)::int AS created_count
             FROM temporary_payments`,
    values: [from, to],
  });
  return res.rows[0] ?? { open_count: 0, expired_count: 0, created_count: 0 };
}
