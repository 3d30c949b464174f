import type { Queryable } from './pool.js';

/**
 * The admin's daily summary figures over one local day [from, to). A payment or refund counts on
 * the day it ended (completed_at), or, while still open, on the day it was created; a charge
 * attempt on the day its gateway answered. Sums are per currency: amounts in two currencies are
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

export interface AttemptGroup {
  mode: 'test' | 'live';
  status: string;
  currency: string;
  count: number;
  sum_minor: bigint;
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

/** Subscription charges answered during the day: succeeded and failed (pending and unknown ones wait for their answer). */
export async function chargeAttemptsByStatus(db: Queryable, from: Date, to: Date): Promise<AttemptGroup[]> {
  const res = await db.query<AttemptGroup>({
    text: `SELECT mode, status, currency, count(*)::int AS count, sum(amount_minor)::bigint AS sum_minor
             FROM charge_attempts
            WHERE status IN ('succeeded', 'failed') AND completed_at >= $1::timestamptz AND completed_at < $2::timestamptz
            GROUP BY mode, status, currency ORDER BY mode, status, currency`,
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
