import type { Queryable } from './pool.js';

/**
 * What a refund gives money back from, as a gateway that has no refund id of its own must name it
 * (Uniteller and Assist refund an order, found by the shop's order number or the gateway's bill
 * number): the payment's or the charge attempt's own numbers and when it was made.
 */
export interface RefundOriginRow {
  refund_id: string;
  amount_minor: bigint;
  currency: string;
  /** The transaction the money goes back from (refunds.original_transaction_id). */
  original_transaction_id: string | null;
  payment_id: string | null;
  /** The payment's gateway session (Uniteller: its Order_IDP). */
  payment_session_id: string | null;
  /** The charge attempt's idempotency key (the recurring order's number at both gateways). */
  attempt_key: string | null;
  /** The attempt's gateway intent id (Uniteller: the recurring order's number). */
  attempt_intent_id: string | null;
  /** When the refunded payment or attempt was made: an order query looks back to it. */
  origin_created_at: Date;
}

/** The origin of refund `refundId`; undefined when there is no such refund. */
export async function findRefundOrigin(db: Queryable, refundId: string): Promise<RefundOriginRow | undefined> {
  const res = await db.query<RefundOriginRow>({
    text: `SELECT r.id AS refund_id, r.amount_minor, r.currency, r.original_transaction_id,
                  r.payment_id, p.gateway_session_id AS payment_session_id,
                  a.idempotency_key AS attempt_key, a.gateway_intent_id AS attempt_intent_id,
                  COALESCE(p.created_at, a.created_at) AS origin_created_at
             FROM refunds r
             LEFT JOIN payments p ON p.id = r.payment_id
             LEFT JOIN charge_attempts a ON a.id = r.charge_attempt_id
            WHERE r.id = $1`,
    values: [refundId],
  });
  return res.rows[0];
}

/** The refund id inside a refund's idempotency key (`refund:<id>`, src/db/refunds.ts refundKey). */
export function refundIdOfKey(key: string): string | undefined {
  const m = /^refund:(ref_[A-Za-z0-9_-]{1,100})$/.exec(key);
  return m?.[1];
}
