import type { Queryable } from './pool.js';

export type DisputeStatus = 'open' | 'won' | 'lost';

/** A row of `disputes` (migration 0009): one per (gateway, gateway's dispute id). amount_minor is exact. */
export interface DisputeRow {
  id: string;
  gateway: string;
  gateway_dispute_id: string;
  payment_id: string | null;
  /** bigint in Postgres; pg hands it over as a string. */
  charge_attempt_id: string | null;
  customer_id: string;
  amount_minor: bigint;
  currency: string;
  reason: string | null;
  status: DisputeStatus;
  created_at: Date;
  closed_at: Date | null;
}

const COLUMNS = `id, gateway, gateway_dispute_id, payment_id, charge_attempt_id::text AS charge_attempt_id, customer_id,
  amount_minor, currency, reason, status, created_at, closed_at`;

export interface NewDispute {
  id: string;
  gateway: string;
  gatewayDisputeId: string;
  paymentId: string | null;
  chargeAttemptId: string | null;
  customerId: string;
  amountMinor: bigint;
  currency: string;
  reason: string | null;
  status: DisputeStatus;
}

/**
 * Inserts the dispute as first reported (open, or already closed when the gateway's close came
 * first); undefined when a row for it exists already (the caller then reads that one).
 */
export async function insertDispute(db: Queryable, d: NewDispute): Promise<DisputeRow | undefined> {
  const res = await db.query<DisputeRow>({
    text: `INSERT INTO disputes (id, gateway, gateway_dispute_id, payment_id, charge_attempt_id, customer_id, amount_minor, currency, reason, status, closed_at)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::bigint, $8, $9, $10, CASE WHEN $10 = 'open' THEN NULL ELSE now() END)
           ON CONFLICT (gateway, gateway_dispute_id) DO NOTHING
           RETURNING ${COLUMNS}`,
    values: [d.id, d.gateway, d.gatewayDisputeId, d.paymentId, d.chargeAttemptId, d.customerId, d.amountMinor.toString(), d.currency, d.reason, d.status],
  });
  return res.rows[0];
}

/** forUpdate: held until the caller's transaction ends, so one update of a dispute is decided at a time. */
export async function findDispute(db: Queryable, gateway: string, gatewayDisputeId: string, opts: { forUpdate?: boolean } = {}): Promise<DisputeRow | undefined> {
  const res = await db.query<DisputeRow>({
    text: `SELECT ${COLUMNS} FROM disputes WHERE gateway = $1 AND gateway_dispute_id = $2${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    values: [gateway, gatewayDisputeId],
  });
  return res.rows[0];
}

/** Closes an open dispute as won or lost; undefined when it was closed already (a closed dispute never changes). */
export async function closeDispute(db: Queryable, id: string, outcome: 'won' | 'lost'): Promise<DisputeRow | undefined> {
  const res = await db.query<DisputeRow>({
    text: `UPDATE disputes SET status = $2, closed_at = now() WHERE id = $1 AND status = 'open' RETURNING ${COLUMNS}`,
    values: [id, outcome],
  });
  return res.rows[0];
}

/**
 * The money a dispute is about, as the ledger knows it: whose, through which gateway, and (for a
 * subscription's charge) which subscription and charge attempt.
 */
export interface DisputedMoney {
  customerId: string;
  gateway: string;
  subscriptionId: string | null;
  chargeAttemptId: string | null;
}

/**
 * Locks the disputed row (the payment, or the charge attempt) until the caller's transaction
 * ends: a refund takes the same lock (lockRefundTarget) before it asks whether a dispute holds the
 * money, so the two are ordered and neither misses the other.
 */
export async function findDisputedMoney(db: Queryable, target: { paymentId: string | null; chargeAttemptId: string | null }): Promise<DisputedMoney | undefined> {
  if (target.paymentId !== null) {
    // A period its customer paid on its SCA link is a charge attempt naming that payment (the
    // attempt has no gateway intent of its own, so the gateway's dispute names the payment): the
    // dispute is then that subscription's charge as much as the payment's.
    const res = await db.query<DisputedMoney>({
      text: `SELECT p.customer_id AS "customerId", p.gateway, a.subscription_id AS "subscriptionId", a.id::text AS "chargeAttemptId"
               FROM payments p
               LEFT JOIN LATERAL (SELECT id, subscription_id FROM charge_attempts
                                   WHERE payment_id = p.id AND status = 'succeeded' ORDER BY id LIMIT 1) a ON true
              WHERE p.id = $1 FOR UPDATE OF p`,
      values: [target.paymentId],
    });
    return res.rows[0];
  }
  if (target.chargeAttemptId === null || !/^\d{1,18}$/.test(target.chargeAttemptId)) return undefined;
  const res = await db.query<DisputedMoney>({
    text: `SELECT s.customer_id AS "customerId", s.gateway, s.id AS "subscriptionId", a.id::text AS "chargeAttemptId"
             FROM charge_attempts a JOIN subscriptions s ON s.id = a.subscription_id WHERE a.id = $1::bigint FOR UPDATE OF a`,
    values: [target.chargeAttemptId],
  });
  return res.rows[0];
}

/** A subscription's charge attempt as the sandbox's dispute route needs it (its gateway, mode, money, status). */
export interface ChargeForDispute {
  gateway: string;
  mode: 'test' | 'live';
  amount_minor: bigint;
  currency: string;
  status: string;
}

export async function findChargeForDispute(db: Queryable, chargeAttemptId: string): Promise<ChargeForDispute | undefined> {
  if (!/^[1-9]\d{0,17}$/.test(chargeAttemptId)) return undefined; // from a URL: anything else names no attempt
  const res = await db.query<ChargeForDispute>({
    text: `SELECT s.gateway, a.mode, a.amount_minor, a.currency, a.status
             FROM charge_attempts a JOIN subscriptions s ON s.id = a.subscription_id WHERE a.id = $1::bigint`,
    values: [chargeAttemptId],
  });
  return res.rows[0];
}
