import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { loadConfig } from '../../src/config.js';
import { buildGateways } from '../../src/gateways/registry.js';
import type { CallbackVerdict } from '../../src/gateways/types.js';
import { LIVE_SECRET, STRIPE_LIVE_KEY, stripeEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';

/**
 * The Stripe adapter's reading of webhooks: the client's own Stripe-Signature check (events are
 * signed here with the client's generateTestHeaderString, as Stripe signs them) and the mapping of
 * each event type Tollgate takes onto a CallbackMessage.
 */
const config = loadConfig({
  TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([stripeEntry()]),
  STRIPE_LIVE_API_KEY: STRIPE_LIVE_KEY,
  STRIPE_LIVE_WEBHOOK_SECRET: LIVE_SECRET,
  CALLBACK_TOLERANCE_SECONDS: '300',
});
const gateway = buildGateways(config, { db: { query: () => Promise.reject(new Error('no database here')) } as never }).get('stripe');
if (!gateway) throw new Error('no stripe gateway');
const now = Math.floor(Date.now() / 1000);
let seq = 0;

function deliver(type: string, object: Record<string, unknown>, o: { secret?: string; livemode?: boolean; timestamp?: number; tamper?: boolean } = {}): CallbackVerdict {
  seq += 1;
  const body = JSON.stringify({ id: `evt_test${seq}`, object: 'event', type, livemode: o.livemode ?? false, api_version: '2025-01-01', data: { object } });
  const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: o.secret ?? TEST_SECRET, timestamp: o.timestamp ?? now });
  const sent = o.tamper ? body.replace('1815', '1816') : body;
  return gateway!.verifyCallback({ headers: { 'stripe-signature': header }, body: sent }, JSON.parse(sent), now);
}
const message = (v: CallbackVerdict) => {
  assert.ok(v.ok, v.ok ? '' : v.detail);
  return v.message;
};

const session = (over: Record<string, unknown> = {}) => ({ id: 'cs_test_1', object: 'checkout.session', client_reference_id: 'pay_1', metadata: { tollgate_payment_id: 'pay_1' }, payment_intent: 'pi_1', payment_status: 'paid', status: 'complete', amount_total: 1815, ...over });
const intent = (over: Record<string, unknown> = {}) => ({ id: 'pi_1', object: 'payment_intent', status: 'succeeded', metadata: {}, customer: 'cus_1', payment_method: 'pm_1', setup_future_usage: null, latest_charge: 'ch_1', last_payment_error: null, ...over });
const refund = (over: Record<string, unknown> = {}) => ({ id: 're_1', object: 'refund', status: 'succeeded', metadata: { tollgate_refund_id: 'ref_1' }, created: 100, ...over });
const dispute = (over: Record<string, unknown> = {}) => ({ id: 'dp_1', object: 'dispute', amount: 1815, currency: 'pln', status: 'needs_response', reason: 'fraudulent', payment_intent: 'pi_1', ...over });

describe('Stripe webhooks: the signature', () => {
  it('takes an event signed with the test secret as test, with Stripe’s event id as the message id', () => {
    const v = deliver('checkout.session.completed', session());
    assert.ok(v.ok);
    assert.equal(v.signedMode, 'test');
    assert.equal(v.message.eventId, `evt_test${seq}`);
  });

  it('takes a live event signed with the live secret as live', () => {
    const v = deliver('checkout.session.completed', session(), { secret: LIVE_SECRET, livemode: true });
    assert.ok(v.ok && v.signedMode === 'live');
  });

  it('refuses another secret, a changed body, a missing header and a timestamp past the tolerance as signature failures', () => {
    for (const v of [deliver('checkout.session.completed', session(), { secret: 'whsec_b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk' }), deliver('checkout.session.completed', session(), { tamper: true }), deliver('checkout.session.completed', session(), { timestamp: now - 301 })]) {
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.reason, 'signature', JSON.stringify(v));
    }
    const bare = gateway.verifyCallback({ headers: {}, body: '{}' }, {}, now);
    assert.deepEqual(bare, { ok: false, reason: 'signature', detail: 'no Stripe-Signature header' });
    assert.equal(deliver('checkout.session.completed', session(), { timestamp: now - 299 }).ok, true, 'inside the tolerance');
  });

  it('refuses a live event signed with the test secret (and the reverse) as a schema refusal, and ignores (200) event types Tollgate does not take', () => {
    const crossed = deliver('checkout.session.completed', session(), { livemode: true });
    assert.ok(!crossed.ok && crossed.reason === 'schema' && /a live-mode event signed with the test-mode secret/.test(crossed.detail));
    const other = deliver('customer.created', { id: 'cus_1', object: 'customer' });
    // Refused, Stripe would retry it for days and then disable the endpoint, Tollgate's own events with it.
    const ignored = message(other);
    assert.ok(ignored.kind === 'ignored' && /does not take Stripe events of type customer\.created; subscribe the endpoint to checkout\.session\.completed/.test(ignored.why));
    const malformed = deliver('payment_intent.succeeded', intent({ id: 'not-an-intent' }));
    assert.ok(!malformed.ok && malformed.reason === 'schema' && malformed.issues.some((i) => i.path === 'id'));
  });
});

describe('Stripe webhooks: the events', () => {
  it('checkout.session.completed (paid) completes the payment with the session and intent ids', () => {
    assert.deepEqual(message(deliver('checkout.session.completed', session())), {
      kind: 'payment', eventId: `evt_test${seq}`, paymentId: 'pay_1',
      outcome: { status: 'succeeded', gatewayTransactionId: 'pi_1', ids: { sessionId: 'cs_test_1', intentId: 'pi_1' } },
    });
  });

  it('a session that saves the card, or is not paid yet, is only noted: its PaymentIntent’s event decides', () => {
    assert.equal(message(deliver('checkout.session.completed', session({ metadata: { tollgate_payment_id: 'pay_1', tollgate_save_card: 'true' } }))).kind, 'noted');
    assert.equal(message(deliver('checkout.session.completed', session({ payment_status: 'unpaid' }))).kind, 'noted');
    const foreign = message(deliver('checkout.session.completed', session({ client_reference_id: null, metadata: {} })));
    assert.ok(foreign.kind === 'ignored' && /did not make/.test(foreign.why));
  });

  it('payment_intent.succeeded of a checkout completes its payment, with the saved card as cus_…/pm_…; a failed attempt is only noted', () => {
    const m = message(deliver('payment_intent.succeeded', intent({ metadata: { tollgate_payment_id: 'pay_1' }, setup_future_usage: 'off_session' })));
    assert.deepEqual(m, { kind: 'payment', eventId: `evt_test${seq}`, paymentId: 'pay_1', outcome: { status: 'succeeded', gatewayTransactionId: 'pi_1', ids: { intentId: 'pi_1', chargeId: 'ch_1' }, paymentMethodToken: 'cus_1/pm_1' } });
    const p24 = message(deliver('payment_intent.succeeded', intent({ metadata: { tollgate_payment_id: 'pay_1' }, latest_charge: 'py_1' })));
    assert.ok(p24.kind === 'payment' && p24.outcome.ids?.chargeId === 'py_1', 'a charge of another payment method than a card (py_…)');
    const failed = message(deliver('payment_intent.payment_failed', intent({ status: 'requires_payment_method', metadata: { tollgate_payment_id: 'pay_1' }, last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' } })));
    assert.deepEqual(failed, { kind: 'noted', eventId: `evt_test${seq}`, target: { paymentId: 'pay_1' }, note: 'a payment attempt failed (insufficient_funds); the payer may try again' });
  });

  it('an off-session charge’s intent events are noted against the intent (the charge call already answered)', () => {
    const m = message(deliver('payment_intent.succeeded', intent({ metadata: { tollgate_attempt_key: 'sub_1:3:1' } })));
    assert.deepEqual(m, { kind: 'noted', eventId: `evt_test${seq}`, target: { intentId: 'pi_1' }, note: 'payment_intent.succeeded for charge attempt sub_1:3:1' });
  });

  it('refunds: refund.updated / refund.failed by their own object, charge.refunded by the newest Tollgate refund in it', () => {
    assert.deepEqual(message(deliver('refund.updated', refund())), { kind: 'refund', eventId: `evt_test${seq}`, refundId: 'ref_1', outcome: { status: 'succeeded', gatewayRefundId: 're_1', code: undefined, message: undefined } });
    const failed = message(deliver('refund.failed', refund({ status: 'failed', failure_reason: 'expired_or_canceled_card' })));
    assert.ok(failed.kind === 'refund' && failed.outcome.status === 'failed' && failed.outcome.code === 'expired_or_canceled_card');
    const charge = { id: 'ch_1', object: 'charge', payment_intent: 'pi_1', refunds: { object: 'list', data: [refund({ id: 're_old', created: 50, metadata: { tollgate_refund_id: 'ref_old' } }), refund({ id: 're_new', created: 90, status: 'pending', metadata: { tollgate_refund_id: 'ref_new' } }), refund({ id: 're_x', created: 99, metadata: {} })] } };
    const m = message(deliver('charge.refunded', charge));
    assert.ok(m.kind === 'refund' && m.refundId === 'ref_new' && m.outcome.status === 'pending' && m.outcome.gatewayRefundId === 're_new');
    assert.equal(message(deliver('charge.refunded', { ...charge, refunds: null })).kind, 'ignored');
    const foreign = message(deliver('refund.updated', refund({ metadata: {} })));
    assert.ok(foreign.kind === 'ignored' && /did not make/.test(foreign.why));
    const notOurs = message(deliver('payment_intent.succeeded', intent({ metadata: {} })));
    assert.ok(notOurs.kind === 'ignored' && /Tollgate did not make/.test(notOurs.why), 'an account that also takes other payments');
  });

  it('disputes: opened and closed, against the intent, in minor units, won or lost from Stripe’s status', () => {
    assert.deepEqual(message(deliver('charge.dispute.created', dispute())), {
      kind: 'dispute', eventId: `evt_test${seq}`, target: { intentId: 'pi_1' },
      dispute: { gatewayDisputeId: 'dp_1', status: 'open', amountMinor: 1815n, currency: 'PLN', reason: 'fraudulent' },
    });
    const lost = message(deliver('charge.dispute.closed', dispute({ status: 'lost' })));
    assert.ok(lost.kind === 'dispute' && lost.dispute.status === 'lost');
    const won = message(deliver('charge.dispute.closed', dispute({ status: 'won' })));
    assert.ok(won.kind === 'dispute' && won.dispute.status === 'won');
    const newer = deliver('charge.dispute.closed', dispute({ status: 'a_status_from_2030' }));
    assert.ok(!newer.ok && /newer than this Tollgate/.test(newer.detail));
  });
});
