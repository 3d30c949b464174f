import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { testEnv } from '../support/env.js';
import { stripeEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';
import { startRecordingProxy } from '../support/recording-proxy.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * A subscription charged through Stripe on the real API and worker: the workflow's charge reaches
 * stripe-mock as an off-session PaymentIntent keyed by the attempt key, the attempt row keeps the
 * intent's ids, and Stripe's webhook about that intent finds the attempt by them and is only
 * noted (the charge call already answered).
 */
describe('a subscription charged through Stripe', () => {
  let stack: TestStack;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

  before(async () => {
    proxy = await startRecordingProxy(testEnv.stripeMockUrl());
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([stripeEntry({ api_base: proxy.url })]) });
  });
  after(async () => {
    await stack.close();
    await proxy.close();
  });

  const deliver = async (type: string, object: Record<string, unknown>) => {
    const body = JSON.stringify({ id: `evt_${type.replace(/\W/g, '')}${Date.now()}`, object: 'event', type, livemode: false, api_version: Stripe.API_VERSION, data: { object } });
    const res = await stack.request('POST', '/v1/callbacks/stripe', {
      raw: body,
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: TEST_SECRET }) },
      key: null,
    });
    assert.equal(res.status, 200, res.text);
    return res.json as { journal_id: number; status: string };
  };

  it('starts a subscription from a first payment that saved the card: the PaymentIntent’s webhook brings cus_…/pm_…', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'stripe', amount: 4999, save_card: true });
    const { gateway_session_id: sessionId } = (await stack.pool.query('SELECT gateway_session_id FROM payments WHERE id = $1', [payment.id])).rows[0];
    // The session's own event is only noted: the card is on the PaymentIntent.
    const noted = await deliver('checkout.session.completed', {
      id: sessionId, object: 'checkout.session', client_reference_id: payment.id, metadata: { tollgate_payment_id: payment.id, tollgate_save_card: 'true' }, payment_intent: 'pi_FirstPayment', payment_status: 'paid', status: 'complete',
    });
    await waitFor('the session event to be marked delivered', async () => ((await stack.pool.query('SELECT outcome FROM inbound_requests WHERE id = $1', [noted.journal_id])).rows[0]?.outcome === 'delivered' ? true : undefined));
    assert.equal((await stack.pool.query('SELECT status FROM payments WHERE id = $1', [payment.id])).rows[0].status, 'pending');
    await deliver('payment_intent.succeeded', {
      id: 'pi_FirstPayment', object: 'payment_intent', status: 'succeeded', metadata: { tollgate_payment_id: payment.id }, customer: 'cus_FirstPayment', payment_method: 'pm_FirstPayment', setup_future_usage: 'off_session', latest_charge: 'ch_FirstPayment',
    });
    const paid = await waitFor('the first payment to succeed', async () => {
      const r = (await stack.pool.query('SELECT status, payment_method_token, gateway_charge_id FROM payments WHERE id = $1', [payment.id])).rows[0];
      return r.status === 'succeeded' ? r : undefined;
    });
    assert.equal(paid.payment_method_token, 'cus_FirstPayment/pm_FirstPayment');
    assert.equal(paid.gateway_charge_id, 'ch_FirstPayment');
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: { customer_id: customer.id, gateway: 'stripe', payment_method: { payment_id: payment.id }, amount: 4999, currency: 'PLN', schedule: { kind: 'interval', duration: 'PT1H' } },
    });
    assert.equal(sub.status, 201, sub.text);
    assert.equal(sub.json.period, 1, 'the first payment is period 0');
    const stored = await stack.pool.query("SELECT payment_method->>'token' AS token FROM subscriptions WHERE id = $1", [sub.json.id]);
    assert.equal(stored.rows[0].token, 'cus_FirstPayment/pm_FirstPayment');
  });

  it('charges off-session with the attempt key, keeps the intent on the attempt, and notes the intent’s webhook against it', async () => {
    const customer = await createCustomer(stack);
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer.id, gateway: 'stripe', payment_method: { token: 'cus_TollgateSub/pm_TollgateSub' }, amount: 4999, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'Europe/Warsaw', first_charge_at: new Date().toISOString(),
      },
    });
    assert.equal(sub.status, 201, sub.text);
    const attempt = await waitFor('the first charge attempt to complete', async () => {
      const r = await stack.pool.query('SELECT id, idempotency_key, status, outcome, gateway_code, gateway_transaction_id, gateway_intent_id FROM charge_attempts WHERE subscription_id = $1', [sub.json.id]);
      return r.rows[0]?.status === 'failed' ? r.rows[0] : undefined;
    });
    const sent = proxy.requests.find((r) => r.method === 'POST' && r.url === '/v1/payment_intents' && r.form.get('metadata[tollgate_attempt_key]') === attempt.idempotency_key);
    assert.ok(sent, 'the charge reached stripe-mock with the attempt key in its metadata');
    assert.equal(sent.status, 200);
    assert.equal(sent.headers['idempotency-key'], attempt.idempotency_key);
    assert.equal(sent.form.get('amount'), '4999');
    assert.equal(sent.form.get('customer'), 'cus_TollgateSub');
    // stripe-mock's intent fixture is a failed attempt without a code: Stripe's generic decline, soft.
    assert.deepEqual([attempt.outcome, attempt.gateway_code], ['soft_decline', 'generic_decline']);
    assert.match(attempt.gateway_intent_id, /^pi_/);
    assert.equal(attempt.gateway_transaction_id, attempt.gateway_intent_id);

    const res = { json: await deliver('payment_intent.payment_failed', { id: attempt.gateway_intent_id, object: 'payment_intent', status: 'requires_payment_method', metadata: { tollgate_attempt_key: attempt.idempotency_key } }) };
    const journal = await waitFor('the note to be marked delivered', async () => {
      const r = await stack.pool.query('SELECT outcome, target_kind FROM inbound_requests WHERE id = $1', [res.json.journal_id]);
      return r.rows[0]?.outcome === 'delivered' ? r.rows[0] : undefined;
    });
    assert.equal(journal.target_kind, 'charge_attempt');
  });
});
