import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { createCustomer } from '../support/fixtures.js';
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

    const body = JSON.stringify({
      id: `evt_recurring${Date.now()}`, object: 'event', type: 'payment_intent.payment_failed', livemode: false, api_version: Stripe.API_VERSION,
      data: { object: { id: attempt.gateway_intent_id, object: 'payment_intent', status: 'requires_payment_method', metadata: { tollgate_attempt_key: attempt.idempotency_key } } },
    });
    const res = await stack.request('POST', '/v1/callbacks/stripe', {
      raw: body,
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: TEST_SECRET }) },
      key: null,
    });
    assert.equal(res.status, 200, res.text);
    const journal = await waitFor('the note to be marked delivered', async () => {
      const r = await stack.pool.query('SELECT outcome, target_kind FROM inbound_requests WHERE id = $1', [res.json.journal_id]);
      return r.rows[0]?.outcome === 'delivered' ? r.rows[0] : undefined;
    });
    assert.equal(journal.target_kind, 'charge_attempt');
  });
});
