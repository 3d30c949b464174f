import Stripe from 'stripe';
import type { RefundRequest, RefundOutcome } from '../types.js';
import { StripeAmountError, toStripeAmount } from './amounts.js';
import { call } from './client.js';
import { META } from './checkout.js';
import { refundStatusOutcome } from './mapping.js';

/** What Stripe refunds: the PaymentIntent when Tollgate knows it, else the charge. */
export type RefundTarget = { payment_intent: string } | { charge: string };

/** The target from the ids Tollgate keeps (ids first; a transaction id is an intent's for Stripe payments). */
export function refundTargetOf(ids: { intentId?: string | null | undefined; chargeId?: string | null | undefined }, transactionId: string | null | undefined): RefundTarget | undefined {
  const intent = ids.intentId ?? (transactionId?.startsWith('pi_') ? transactionId : undefined);
  if (intent) return { payment_intent: intent };
  const charge = ids.chargeId ?? (transactionId?.startsWith('ch_') || transactionId?.startsWith('py_') ? transactionId : undefined);
  return charge ? { charge } : undefined;
}

/**
 * One refund (https://docs.stripe.com/api/refunds/create), its Idempotency-Key Tollgate's refund
 * key: a repeat after a lost answer replays the same refund. Stripe's own `reason` takes three
 * words only, so Tollgate's reason travels in metadata beside the refund's id, which is how a
 * status query and the webhooks find it again.
 */
export async function createRefund(stripe: Stripe, req: RefundRequest): Promise<RefundOutcome> {
  const target = refundTargetOf(req.original.ids, req.original.transactionId);
  if (!target) return { status: 'failed', code: 'tollgate_no_target', message: 'the refunded payment has no Stripe PaymentIntent or charge id' };
  let amount: number;
  try {
    amount = toStripeAmount(req.amountMinor, req.currency);
  } catch (err) {
    if (err instanceof StripeAmountError) return { status: 'failed', code: 'tollgate_amount', message: err.message };
    throw err;
  }
  try {
    const refund = await call('create the refund', () =>
      stripe.refunds.create({ ...target, amount, metadata: { [META.refundId]: req.refundId, [META.reason]: req.reason.slice(0, 500) } }, { idempotencyKey: req.idempotencyKey }),
    );
    return outcomeOfRefund(refund);
  } catch (err) {
    // Stripe's refusals (already refunded, more than is left, a disputed charge) are answers: nothing was refunded.
    if (err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripeCardError) {
      return { status: 'failed', code: err.code ?? err.type, message: err.message };
    }
    throw err;
  }
}

/**
 * The refund Tollgate asked for, found by its Stripe id when the row has it, else among the
 * target's refunds by the metadata it carries. Undefined when Stripe has none: it never saw it.
 */
export async function findRefund(stripe: Stripe, refundId: string, known: { gatewayRefundId: string | null; target: RefundTarget | undefined }): Promise<RefundOutcome | undefined> {
  if (known.gatewayRefundId) {
    const gatewayRefundId = known.gatewayRefundId;
    return outcomeOfRefund(await call('read the refund', () => stripe.refunds.retrieve(gatewayRefundId)));
  }
  if (!known.target) return undefined;
  const target = known.target;
  for await (const refund of stripe.refunds.list({ ...target, limit: 100 })) {
    if (refund.metadata?.[META.refundId] === refundId) return outcomeOfRefund(refund);
  }
  return undefined;
}

export function outcomeOfRefund(refund: Stripe.Refund): RefundOutcome {
  // A status newer than the SDK is read as still on its way: the refund workflow asks again.
  const status = refundStatusOutcome(refund.status) ?? 'pending';
  return {
    status,
    gatewayRefundId: refund.id,
    code: status === 'failed' ? (refund.failure_reason ?? refund.status ?? undefined) : undefined,
    message: status === 'failed' ? `Stripe refund ${refund.status ?? 'failed'}${refund.failure_reason ? `: ${refund.failure_reason}` : ''}` : undefined,
  };
}
