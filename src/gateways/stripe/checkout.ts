import Stripe from 'stripe';
import type { GatewayOutcome } from '../../domain/payment.js';
import type { GatewayIds, PaymentForCheckout, CheckoutStart } from '../types.js';
import { stripeCurrency, toStripeAmount } from './amounts.js';
import { call } from './client.js';
import { idOf, tokenOfIntent } from './token.js';

/** Metadata keys Tollgate puts on Stripe objects, read back from webhooks and lookups. */
export const META = {
  paymentId: 'tollgate_payment_id',
  saveCard: 'tollgate_save_card',
  attemptKey: 'tollgate_attempt_key',
  refundId: 'tollgate_refund_id',
  reason: 'tollgate_reason',
} as const;

/**
 * A hosted Checkout Session for one payment (https://docs.stripe.com/api/checkout/sessions/create).
 * The Idempotency-Key is the payment's and the session's end (below), so a repeated start with the
 * same end gets the same session back instead of a second one. The payment id rides along three
 * ways: client_reference_id and metadata on the session, metadata on its PaymentIntent — every
 * webhook Tollgate reads carries one of them.
 */
export async function createCheckoutSession(stripe: Stripe, payment: PaymentForCheckout, now = Date.now()): Promise<CheckoutStart> {
  const expiresAt = sessionExpiry(payment.expiresAt.getTime(), now);
  const metadata: Record<string, string> = { [META.paymentId]: payment.id };
  if (payment.saveCard) metadata[META.saveCard] = 'true';
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: { currency: stripeCurrency(payment.currency), unit_amount: toStripeAmount(payment.amountMinor, payment.currency), product_data: { name: payment.description.slice(0, 250) || payment.reference } },
      },
    ],
    client_reference_id: payment.id,
    metadata,
    payment_intent_data: {
      metadata: { [META.paymentId]: payment.id },
      ...(payment.description && { description: payment.description.slice(0, 1000) }),
      // The payer agrees to later merchant-initiated charges: the card is saved to a Customer.
      ...(payment.saveCard && { setup_future_usage: 'off_session' as const }),
    },
    ...(payment.saveCard && { customer_creation: 'always' as const }),
    ...(payment.customer?.email && { customer_email: payment.customer.email }),
    expires_at: expiresAt,
    // Tollgate's result page shows the payment's status either way; the webhook decides it.
    success_url: payment.returnUrl,
    cancel_url: payment.returnUrl,
  };
  // Keyed by the payment and the session's end: a retry (a lost answer, the keyed POST /v1/payments
  // sent again) with the same end gets the same session back. An end held to Stripe's range moves
  // with the clock, and Stripe refuses a key reused with other parameters, so a retry whose end
  // differs makes a session of its own; the earlier one's URL was never recorded or shown to a
  // payer, and it expires by itself.
  const session = await call('create the Checkout Session', () => stripe.checkout.sessions.create(params, { idempotencyKey: `checkout:${payment.id}:${expiresAt}` }));
  if (!session.url) throw new Error(`stripe: Checkout Session ${session.id} has no URL`);
  const intentId = idOf(session.payment_intent);
  return { url: session.url, ids: { sessionId: session.id, ...(intentId && { intentId }) } };
}

/** Stripe takes a session's expires_at between 30 minutes and 24 hours after its creation. */
const SESSION_MIN_S = 30 * 60 + 60; // a minute's margin for the call's own time and clock skew
const SESSION_MAX_S = 24 * 3600 - 60;

/**
 * When the session stops taking money (Unix seconds): the payment's deadline, so a payer who comes
 * back after it cannot pay into an expired payment (a late success the policy would refund, fee
 * lost) — held to the range Stripe accepts
 * (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at). A
 * payment shorter than 31 minutes still gets a session that outlives it; one longer than a day
 * gets a session that ends first (its link then shows Stripe's expired page).
 */
export function sessionExpiry(deadlineMs: number, nowMs: number): number {
  const now = Math.floor(nowMs / 1000);
  return Math.min(Math.max(Math.floor(deadlineMs / 1000), now + SESSION_MIN_S), now + SESSION_MAX_S);
}

/**
 * Expires the session of a canceled payment, so the payer can no longer pay it
 * (https://docs.stripe.com/api/checkout/sessions/expire). A session that is no longer open
 * (completed, or expired already) is left alone: a completion is then a late success, which its
 * webhook brings.
 */
export async function expireCheckoutSession(stripe: Stripe, ids: GatewayIds): Promise<void> {
  const sessionId = ids.sessionId;
  if (!sessionId) return; // the checkout never started at Stripe
  try {
    await call('expire the Checkout Session', () => stripe.checkout.sessions.expire(sessionId));
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw err;
    const session = await call('read the Checkout Session', () => stripe.checkout.sessions.retrieve(sessionId));
    if (session.status === 'open') throw err;
  }
}

/**
 * What became of a payment's session, for callbacks that never arrive: paid → succeeded (with its
 * intent, charge and saved card), expired → failed, anything else → not known yet (the payer may
 * still pay, or retry a declined card on the same page).
 */
export async function checkoutSessionOutcome(stripe: Stripe, sessionId: string): Promise<GatewayOutcome | undefined> {
  return outcomeOfSession(await call('read the Checkout Session', () => stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent'] })));
}

/** A session's outcome, its payment_intent expanded or not (only an expanded one brings the charge and the saved card). */
export function outcomeOfSession(session: Stripe.Checkout.Session): GatewayOutcome | undefined {
  if (session.payment_status === 'paid') {
    const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const intentId = idOf(session.payment_intent);
    const chargeId = intent ? idOf(intent.latest_charge) : undefined;
    return {
      status: 'succeeded',
      gatewayTransactionId: intentId ?? session.id,
      ids: { sessionId: session.id, ...(intentId && { intentId }), ...(chargeId && { chargeId }) },
      paymentMethodToken: intent ? tokenOfIntent(intent) : undefined,
    };
  }
  if (session.status === 'expired') return { status: 'failed', gatewayTransactionId: session.id, code: 'expired', message: 'the Checkout Session expired unpaid', ids: { sessionId: session.id } };
  return undefined;
}
