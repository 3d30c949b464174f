import { type GatewayOutcome, paidMismatch } from '../domain/payment.js';
import { toJsonMinor } from '../domain/money.js';
import { defaultLateSuccess } from '../gateways/settings.js';
import type { PaymentFields } from '../events/schemas/payment.js';
import { appendEvent } from './events.js';
import { newId } from './ids.js';
import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import { findPayment, type PaymentRow } from './payments.js';
import type { Queryable } from './pool.js';
import { createRefund, disputeHoldingMoney, lockRefundTarget } from './refunds.js';

/** A row of `late_successes`: money a gateway captured after its payment had ended. */
export interface LateSuccessRow {
  id: string;
  payment_id: string;
  customer_id: string;
  gateway: string;
  amount_minor: bigint;
  currency: string;
  gateway_transaction_id: string | null;
  payment_status: string;
  action: 'refunded' | 'kept';
  refund_id: string | null;
  created_at: Date;
}

const COLUMNS = 'id, payment_id, customer_id, gateway, amount_minor, currency, gateway_transaction_id, payment_status, action, refund_id, created_at';

/**
 * A gateway success for a payment that had already ended (expired, canceled, failed): the payer
 * was charged. The payment stays as it ended — those states are final, and the billing system
 * already acted on them — and the money becomes a late_successes row, handled by the policy the
 * payment's gateway had when it started (payments.late_success):
 *   refund  a system refund of the whole amount is created here (pending, its workflow not yet
 *           started: this runs inside the relay's or an activity's transaction, where no workflow
 *           can start). The caller starts refund:<id> after its commit; if it crashes first, the
 *           sweep in src/temporal/refund-starts.ts starts it.
 *   keep    the row (action kept) is what the billing system lists and credits.
 * A payment whose money a dispute holds (disputeHoldingMoney) is kept whatever the policy: the
 * event names the dispute, which decides the money.
 * Either way one `payment.late_success` event says which. Idempotent per payment: a second report
 * of the same success returns the first row. Must run inside a transaction (it locks the payment).
 * The amount captured is the payment's: the gateway's checkout was for exactly that amount.
 */
export async function noteLateSuccess(db: Queryable, paymentId: string, outcome: GatewayOutcome): Promise<LateSuccessRow | undefined> {
  const p = await findPayment(db, paymentId, { forUpdate: true });
  if (!p || p.status === 'succeeded' || p.status === 'pending') return undefined;
  const existing = await findLateSuccess(db, p.id);
  if (existing) return existing;
  // The gateway's ids of the late charge (a hosted checkout's intent and charge) fill what the
  // payment lacks: a refund of it goes back through them (RefundRequest.original.ids).
  if (outcome.ids) {
    await db.query({
      text: `UPDATE payments SET gateway_session_id = COALESCE(gateway_session_id, $2), gateway_intent_id = COALESCE(gateway_intent_id, $3),
                    gateway_charge_id = COALESCE(gateway_charge_id, $4) WHERE id = $1`,
      values: [p.id, outcome.ids.sessionId ?? null, outcome.ids.intentId ?? null, outcome.ids.chargeId ?? null],
    });
  }
  // A late success for another amount or currency than the payment's is kept for a person, never
  // refunded automatically by the payment's amount (that could return more than was paid).
  const policy = paidMismatch(outcome, p) ? 'keep' : p.late_success ?? defaultLateSuccess(p.adapter);
  const id = newId('late');
  let refundId: string | null = null;
  // A late charge the payer disputes (it cannot be, normally: a dispute names a success) is not
  // refunded beside the dispute, which would pay the payer twice: it is kept, naming the dispute.
  const dispute = policy === 'refund' ? await disputeHoldingMoney(db, { kind: 'payment', id: p.id }) : undefined;
  if (policy === 'refund' && !dispute) {
    const target = await lockRefundTarget(db, { paymentId: p.id });
    if (!target) throw new Error(`payment ${p.id} vanished while locked`);
    const refund = await createRefund(db, target, {
      amountMinor: p.amount_minor,
      reason: 'late_success',
      requestedBy: 'system',
      allowPartial: true,
      workflowStarted: false,
      lateSuccessId: id,
      originalTransactionId: outcome.gatewayTransactionId ?? null,
    });
    refundId = refund.id;
  }
  const res = await db.query<LateSuccessRow>({
    text: `INSERT INTO late_successes (id, payment_id, customer_id, gateway, amount_minor, currency, gateway_transaction_id, payment_status, action, refund_id)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    values: [id, p.id, p.customer_id, p.gateway, p.amount_minor.toString(), p.currency, outcome.gatewayTransactionId ?? null, p.status,
      refundId ? 'refunded' : 'kept', refundId],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO late_successes returned no row');
  await appendEvent(db, {
    type: 'payment.late_success',
    aggregateType: 'payment',
    aggregateId: p.id,
    payload: {
      ...paymentEventPayload(p),
      action: row.action,
      late_success_id: row.id,
      late_amount: toJsonMinor(row.amount_minor),
      refund_id: refundId,
      ...(dispute ? { dispute_id: dispute.id } : {}),
      late_gateway_transaction_id: outcome.gatewayTransactionId ?? null,
      late_code: outcome.code ?? null,
    },
  });
  return row;
}

export async function findLateSuccess(db: Queryable, paymentId: string): Promise<LateSuccessRow | undefined> {
  const res = await db.query<LateSuccessRow>({ text: `SELECT ${COLUMNS} FROM late_successes WHERE payment_id = $1`, values: [paymentId] });
  return res.rows[0];
}

/** Newest first, keyset-paged: what the billing system credits (action kept) or saw refunded. */
export async function listLateSuccesses(
  db: Queryable,
  f: { action?: 'refunded' | 'kept' | undefined; customerId?: string | undefined; gateway?: string | undefined; before?: Keyset | undefined; limit: number },
): Promise<Array<LateSuccessRow & { refund_status: string | null; cursor_at: string }>> {
  // The refund's status beside it: a system refund that failed leaves the payer's money to a person.
  const res = await db.query<LateSuccessRow & { refund_status: string | null; cursor_at: string }>({
    text: `SELECT ${COLUMNS}, (SELECT status FROM refunds WHERE refunds.id = late_successes.refund_id) AS refund_status, ${CURSOR_AT}
             FROM late_successes
            WHERE ($1::text IS NULL OR action = $1::text) AND ($2::text IS NULL OR customer_id = $2::text)
              AND ($3::text IS NULL OR gateway = $3::text) AND ${beforeKeyset(4)}
            ORDER BY created_at DESC, id DESC LIMIT $6`,
    values: [f.action ?? null, f.customerId ?? null, f.gateway ?? null, ...keysetValues(f.before), f.limit],
  });
  return res.rows;
}

/** What every payment event carries. */
export function paymentEventPayload(p: PaymentRow): PaymentFields {
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
    credited_amount: toJsonMinor(p.credited_minor),
    commission: toJsonMinor(p.commission_minor),
  };
}
