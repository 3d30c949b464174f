import type { ChargeOutcome } from '../domain/subscription.js';
import type { Queryable } from './pool.js';

/** A row of `charge_attempts`: one gateway call for one period, unique on its idempotency key. */
export interface ChargeAttemptRow {
  id: bigint;
  subscription_id: string;
  period: number;
  attempt: number;
  idempotency_key: string;
  amount_minor: bigint;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed' | 'unknown';
  outcome: ChargeOutcome | null;
  gateway_code: string | null;
  gateway_message: string | null;
  gateway_transaction_id: string | null;
  mode: 'test' | 'live';
  created_at: Date;
  completed_at: Date | null;
  /** The payment that paid the period instead of a gateway call (its SCA payment link). */
  payment_id: string | null;
  /** Held by refunds of this attempt that did not fail (src/db/refunds.ts). */
  refunded_minor: bigint;
}

const COLUMNS = `id, subscription_id, period, attempt, idempotency_key, amount_minor, currency, status, outcome,
  gateway_code, gateway_message, gateway_transaction_id, mode, created_at, completed_at, payment_id, refunded_minor`;

/** An attempt as written before its gateway call. */
export interface NewChargeAttempt { subscriptionId: string; period: number; attempt: number; key: string; amountMinor: bigint; currency: string; mode: 'test' | 'live' }

/**
 * Writes the attempt before the gateway is called (a retry of the same key finds the row there):
 * true when this call wrote the row, false when it was there already (an earlier try of the same
 * attempt, which may have reached the gateway). One round trip, a
 * prepared statement: it is on every charge's path.
 */
export async function claimChargeAttempt(db: Queryable, a: NewChargeAttempt): Promise<boolean> {
  const inserted = await db.query({
    name: 'claim-charge-attempt',
    text: `INSERT INTO charge_attempts (subscription_id, period, attempt, idempotency_key, amount_minor, currency, mode)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    values: [a.subscriptionId, a.period, a.attempt, a.key, a.amountMinor.toString(), a.currency, a.mode],
  });
  return inserted.rowCount === 1;
}

export async function findChargeAttempt(db: Queryable, key: string): Promise<ChargeAttemptRow | undefined> {
  const res = await db.query<ChargeAttemptRow>({ text: `SELECT ${COLUMNS} FROM charge_attempts WHERE idempotency_key = $1`, values: [key] });
  return res.rows[0];
}

export async function completeChargeAttempt(
  db: Queryable,
  key: string,
  r: { status: ChargeAttemptRow['status']; outcome: ChargeOutcome; code: string | null; message: string | null; transactionId: string | null },
): Promise<ChargeAttemptRow | undefined> {
  const res = await db.query<ChargeAttemptRow>({
    text: `UPDATE charge_attempts SET status = $2, outcome = $3, gateway_code = $4, gateway_message = $5,
                  gateway_transaction_id = $6, completed_at = CASE WHEN $2 = 'unknown' THEN NULL ELSE now() END
            WHERE idempotency_key = $1 AND status IN ('pending', 'unknown')
        RETURNING ${COLUMNS}`,
    values: [key, r.status, r.outcome, r.code, r.message, r.transactionId],
  });
  return res.rows[0];
}

export async function listChargeAttempts(db: Queryable, subscriptionId: string): Promise<ChargeAttemptRow[]> {
  const res = await db.query<ChargeAttemptRow>({
    text: `SELECT ${COLUMNS} FROM charge_attempts WHERE subscription_id = $1 ORDER BY period, attempt`,
    values: [subscriptionId],
  });
  return res.rows;
}
