import type { GatewayOutcome } from '../domain/payment.js';
import { toJsonMinor } from '../domain/money.js';
import { appendEvent } from './events.js';
import { findPayment, type PaymentRow } from './payments.js';
import type { Queryable } from './pool.js';

/**
 * A gateway success for a payment that had already ended (expired, failed): the payer was charged,
 * so a person must refund or credit it. Kept once as a `payment.late_success` event.
 */
export async function noteLateSuccess(db: Queryable, paymentId: string, outcome: GatewayOutcome): Promise<void> {
  const p = await findPayment(db, paymentId);
  if (!p || p.status === 'succeeded') return;
  const already = await db.query({ text: "SELECT 1 FROM events WHERE aggregate_id = $1 AND type = 'payment.late_success'", values: [p.id] });
  if (already.rowCount) return;
  await appendEvent(db, {
    type: 'payment.late_success',
    aggregateType: 'payment',
    aggregateId: p.id,
    payload: { ...paymentEventPayload(p), late_gateway_transaction_id: outcome.gatewayTransactionId ?? null, late_code: outcome.code ?? null },
  });
}

/** What every payment event carries. */
export function paymentEventPayload(p: PaymentRow): Record<string, unknown> {
  return {
    payment_id: p.id,
    customer_id: p.customer_id,
    status: p.status,
    amount: toJsonMinor(p.amount_minor),
    currency: p.currency,
    gateway: p.gateway,
    mode: p.mode,
    reference: p.reference,
    gateway_transaction_id: p.gateway_transaction_id,
    gateway_code: p.gateway_code,
  };
}
