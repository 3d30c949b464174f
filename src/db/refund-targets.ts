import type { Queryable } from './pool.js';

/** What a gateway needs to find a refund it may have made: the refund's ids and the money it refunds. */
export interface RefundTargetRow {
  refund_id: string;
  gateway_refund_id: string | null;
  /** The refunded payment's or charge attempt's gateway ids (intent, charge) and transaction id. */
  intent_id: string | null;
  charge_id: string | null;
  transaction_id: string | null;
}

/**
 * The refund with this idempotency key and the gateway ids of what it refunds, for a status query
 * whose only handle is the key (PaymentGateway.refundStatus). Undefined when no such refund exists.
 */
export async function findRefundTarget(db: Queryable, idempotencyKey: string): Promise<RefundTargetRow | undefined> {
  const r = await db.query<RefundTargetRow>({
    text: `SELECT r.id AS refund_id, r.gateway_refund_id,
                  COALESCE(p.gateway_intent_id, a.gateway_intent_id) AS intent_id,
                  COALESCE(p.gateway_charge_id, a.gateway_charge_id) AS charge_id,
                  COALESCE(p.gateway_transaction_id, a.gateway_transaction_id) AS transaction_id
             FROM refunds r
             LEFT JOIN payments p ON p.id = r.payment_id
             LEFT JOIN charge_attempts a ON a.id = r.charge_attempt_id
            WHERE r.idempotency_key = $1::text`,
    values: [idempotencyKey],
  });
  return r.rows[0];
}
