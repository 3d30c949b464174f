import Stripe from 'stripe';
import type { z } from 'zod';
import type { GatewayMode, GatewaySettings } from '../settings.js';
import type { CallbackMessage, CallbackVerdict, RawCallback } from '../types.js';
import { fromStripeAmount, StripeAmountError } from './amounts.js';
import { META } from './checkout.js';
import { ChargeObject, CheckoutSessionObject, DisputeObject, PaymentIntentObject, RefundObject, STRIPE_EVENT_TYPES, type StripeEventType, StripeEventEnvelope } from './events.js';
import { DISPUTE_STATUS_OUTCOME, type KnownDisputeStatus, refundStatusOutcome } from './mapping.js';
import { idOf, tokenOfIntent } from './token.js';

// Only the static helpers are used: no client, no key, no network.
const webhooks = Stripe.webhooks;

type Refusal = Extract<CallbackVerdict, { ok: false }>;
const refuse = (detail: string, issues: Array<{ path: string; message: string }> = []): Refusal => ({ ok: false, reason: 'schema', detail, issues });
/** An authentic event about nothing of Tollgate's: 200, so Stripe neither retries it nor disables the endpoint (https://docs.stripe.com/webhooks#disable-events). */
const ignored = (eventId: string, why: string): CallbackMessage => ({ kind: 'ignored', eventId, why });

/**
 * Verifies a Stripe webhook with the client's own Stripe-Signature check and tolerance
 * (https://docs.stripe.com/webhooks#verify-events) against each mode's signing secret, then reads
 * it as a CallbackMessage. The event's `livemode` must be the mode whose secret signed it. Its
 * eventId is Stripe's event id, by which the journal de-duplicates Stripe's redeliveries.
 */
export function verifyStripeCallback(settings: GatewaySettings, raw: RawCallback, nowSeconds: number, toleranceSeconds: number): CallbackVerdict {
  const header = raw.headers['stripe-signature'];
  if (!header) return { ok: false, reason: 'signature', detail: 'no Stripe-Signature header' };
  let signedMode: GatewayMode | undefined;
  let problem = 'no webhook secret is configured';
  let event: unknown;
  for (const mode of ['test', 'live'] as const) {
    const secret = settings.secrets[mode];
    if (!secret) continue;
    try {
      event = webhooks.constructEvent(raw.body, header, secret, toleranceSeconds, undefined, nowSeconds * 1000);
      signedMode = mode;
      break;
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) throw err;
      problem = err.message;
    }
  }
  if (!signedMode) return { ok: false, reason: 'signature', detail: problem };
  const envelope = StripeEventEnvelope.safeParse(event);
  if (!envelope.success) return refuse('the body is not a Stripe event', issuesOf(envelope.error));
  if (envelope.data.livemode !== (signedMode === 'live')) {
    return refuse(`a ${envelope.data.livemode ? 'live' : 'test'}-mode event signed with the ${signedMode}-mode secret`);
  }
  const type = envelope.data.type;
  if (!(STRIPE_EVENT_TYPES as readonly string[]).includes(type)) {
    return { ok: true, signedMode, message: ignored(envelope.data.id, `Tollgate does not take Stripe events of type ${type}; subscribe the endpoint to ${STRIPE_EVENT_TYPES.join(', ')} only`) };
  }
  const read = messageOf(type as StripeEventType, envelope.data.id, envelope.data.data.object);
  return 'ok' in read ? read : { ok: true, signedMode, message: read };
}

function messageOf(type: StripeEventType, eventId: string, object: unknown): CallbackMessage | Refusal {
  switch (type) {
    case 'checkout.session.completed':
      return parsed(CheckoutSessionObject, object, (s) => sessionCompleted(eventId, s));
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
      return parsed(PaymentIntentObject, object, (i) => intentEvent(eventId, type, i));
    case 'charge.refunded':
      return parsed(ChargeObject, object, (c) => {
        // One event per refund; the newest refund of Tollgate's is the one this event is for, and
        // either way each refund's outcome is read from its own object.
        const ours = (c.refunds?.data ?? []).filter((r) => r.metadata[META.refundId]).sort((a, b) => b.created - a.created)[0];
        return ours ? refundMessage(eventId, ours) : ignored(eventId, 'charge.refunded without a Tollgate refund in it (the refund.* events carry each refund)');
      });
    case 'refund.updated':
    case 'refund.failed':
      return parsed(RefundObject, object, (r) => (r.metadata[META.refundId] ? refundMessage(eventId, r) : ignored(eventId, 'a refund Tollgate did not make (no tollgate_refund_id in its metadata)')));
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return parsed(DisputeObject, object, (d) => disputeMessage(eventId, d));
  }
}

function sessionCompleted(eventId: string, s: z.infer<typeof CheckoutSessionObject>): CallbackMessage | Refusal {
  const paymentId = s.client_reference_id ?? s.metadata[META.paymentId];
  if (!paymentId) return ignored(eventId, 'a Checkout Session Tollgate did not make (no client_reference_id)');
  const intentId = idOf(s.payment_intent);
  // A saved card's payment method is on the PaymentIntent, not the session: payment_intent.succeeded
  // completes the payment with it. Unpaid: an asynchronous method, whose intent event decides.
  if (s.metadata[META.saveCard] === 'true' || s.payment_status !== 'paid') {
    return { kind: 'noted', eventId, target: { paymentId }, note: s.payment_status === 'paid' ? 'session completed; its PaymentIntent brings the saved card' : `session completed ${s.payment_status}` };
  }
  return {
    kind: 'payment',
    eventId,
    paymentId,
    outcome: { status: 'succeeded', gatewayTransactionId: intentId ?? s.id, ids: { sessionId: s.id, ...(intentId && { intentId }) } },
  };
}

function intentEvent(eventId: string, type: 'payment_intent.succeeded' | 'payment_intent.payment_failed', i: z.infer<typeof PaymentIntentObject>): CallbackMessage | Refusal {
  const paymentId = i.metadata[META.paymentId];
  if (paymentId) {
    // A declined card in Checkout leaves the session open for another try: only the payment's
    // deadline (or a cancel) fails it, so a failed attempt is only noted.
    if (type === 'payment_intent.payment_failed') return { kind: 'noted', eventId, target: { paymentId }, note: `a payment attempt failed (${i.last_payment_error?.decline_code ?? i.last_payment_error?.code ?? 'declined'}); the payer may try again` };
    const chargeId = idOf(i.latest_charge);
    return {
      kind: 'payment',
      eventId,
      paymentId,
      outcome: { status: 'succeeded', gatewayTransactionId: i.id, ids: { intentId: i.id, ...(chargeId && { chargeId }) }, paymentMethodToken: tokenOfIntent(i) },
    };
  }
  // Neither a Checkout payment nor a charge of Tollgate's: the account takes other payments too.
  if (!i.metadata[META.attemptKey]) return ignored(eventId, `${type} of a PaymentIntent Tollgate did not make (no Tollgate metadata)`);
  // An off-session charge's outcome came back with the call that made it.
  return { kind: 'noted', eventId, target: { intentId: i.id }, note: `${type}${i.metadata[META.attemptKey] ? ` for charge attempt ${i.metadata[META.attemptKey]}` : ''}` };
}

function refundMessage(eventId: string, r: z.infer<typeof RefundObject>): CallbackMessage {
  const refundId = r.metadata[META.refundId] ?? '';
  const status = refundStatusOutcome(r.status) ?? 'pending';
  return {
    kind: 'refund',
    eventId,
    refundId,
    outcome: { status, gatewayRefundId: r.id, code: status === 'failed' ? (r.failure_reason ?? r.status ?? undefined) : undefined, message: status === 'failed' ? `Stripe refund ${r.status ?? 'failed'}` : undefined },
  };
}

function disputeMessage(eventId: string, d: z.infer<typeof DisputeObject>): CallbackMessage | Refusal {
  const intentId = idOf(d.payment_intent);
  if (!intentId) return ignored(eventId, 'a dispute of a charge without a PaymentIntent (Tollgate makes none)');
  if (!Object.hasOwn(DISPUTE_STATUS_OUTCOME, d.status)) return refuse(`dispute status ${d.status} is newer than this Tollgate`);
  const currency = d.currency.toUpperCase();
  let amountMinor: bigint;
  try {
    amountMinor = fromStripeAmount(d.amount, currency);
  } catch (err) {
    if (err instanceof StripeAmountError) return refuse(err.message);
    throw err;
  }
  return {
    kind: 'dispute',
    eventId,
    target: { intentId },
    dispute: { gatewayDisputeId: d.id, status: DISPUTE_STATUS_OUTCOME[d.status as KnownDisputeStatus], amountMinor, currency, reason: d.reason ?? undefined },
  };
}

function parsed<S extends z.ZodTypeAny>(schema: S, object: unknown, then: (value: z.infer<S>) => CallbackMessage | Refusal): CallbackMessage | Refusal {
  const r = schema.safeParse(object);
  return r.success ? then(r.data) : refuse('the event object does not match what Tollgate reads', issuesOf(r.error));
}

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}
