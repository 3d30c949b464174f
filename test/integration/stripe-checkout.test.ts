import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { testEnv } from '../support/env.js';
import { freePort } from '../support/free-port.js';
import { STRIPE_TEST_KEY, stripeEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';
import { type RecordedRequest, startRecordingProxy } from '../support/recording-proxy.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * A Stripe payment end to end on the real API and worker: POST /v1/payments creates a Checkout
 * Session at the run's stripe-mock (which refuses any parameter Stripe's API does not have), the
 * payment keeps its URL and ids, and a signed checkout.session.completed through
 * POST /v1/callbacks/stripe completes it — once, however often Stripe redelivers the event.
 */
describe('a Stripe Checkout payment', () => {
  let stack: TestStack;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

  let laterPort: number;
  let later: Awaited<ReturnType<typeof startRecordingProxy>> | undefined;

  before(async () => {
    proxy = await startRecordingProxy(testEnv.stripeMockUrl());
    laterPort = await freePort();
    stack = await startTestStack({
      TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([
        stripeEntry({ api_base: proxy.url }),
        stripeEntry({ name: 'stripe_once', api_base: proxy.url, recurring: undefined }),
        // Nothing listens at its address until a test starts a proxy there.
        stripeEntry({ name: 'stripe_later', api_base: `http://127.0.0.1:${laterPort}`, recurring: undefined }),
      ]),
    });
  });
  after(async () => {
    await stack.close();
    await proxy.close();
    await later?.close();
  });

  const sessionCreate = (paymentId: string): RecordedRequest | undefined => proxy.requests.find((r) => r.method === 'POST' && r.url === '/v1/checkout/sessions' && r.form.get('client_reference_id') === paymentId);
  const row = async (id: string) => (await stack.pool.query('SELECT status, checkout_url, gateway_session_id, gateway_intent_id, gateway_transaction_id FROM payments WHERE id = $1', [id])).rows[0];
  const signedEvent = (type: string, object: Record<string, unknown>, secret = TEST_SECRET, id = `evt_${Math.random().toString(36).slice(2)}`) => {
    const body = JSON.stringify({ id, object: 'event', type, livemode: false, api_version: Stripe.API_VERSION, data: { object } });
    return { body, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }), 'content-type': 'application/json' } };
  };

  it('creates a Checkout Session with the payment’s amount, currency, ids and return page, keyed by the payment, and keeps its URL and id', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'stripe', amount: 1815, currency: 'PLN', description: 'Internet, November' });
    const sent = sessionCreate(payment.id);
    assert.ok(sent, 'the session create reached stripe-mock');
    assert.equal(sent.status, 200, 'stripe-mock accepted every parameter');
    assert.equal(sent.headers['idempotency-key'], `checkout:${payment.id}:${sent.form.get('expires_at')}`);
    assert.equal(sent.headers.authorization, `Bearer ${STRIPE_TEST_KEY}`);
    const returnUrl = `${stack.config.publicBaseUrl}/checkout/${payment.id}/result`;
    // A 30-minute payment: its session ends at Stripe's minimum, 31 minutes (a minute of margin) after the call.
    const expiresAt = Number(sent.form.get('expires_at'));
    const deadline = Math.floor(Date.parse((await stack.request('GET', `/v1/payments/${payment.id}`)).json.expires_at) / 1000);
    assert.ok(expiresAt >= deadline && expiresAt <= deadline + 120, `expires_at ${expiresAt} near the deadline ${deadline}`);
    sent.form.delete('expires_at');
    assert.deepEqual(Object.fromEntries(sent.form), {
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'pln',
      'line_items[0][price_data][unit_amount]': '1815',
      'line_items[0][price_data][product_data][name]': 'Internet, November',
      client_reference_id: payment.id,
      'metadata[tollgate_payment_id]': payment.id,
      'payment_intent_data[metadata][tollgate_payment_id]': payment.id,
      'payment_intent_data[description]': 'Internet, November',
      customer_email: 'jan@example.com',
      success_url: returnUrl,
      cancel_url: returnUrl,
    });
    const stored = await row(payment.id);
    assert.match(stored.checkout_url, /^https:\/\/checkout\.stripe\.com\//);
    assert.equal(payment.checkout_url, stored.checkout_url);
    assert.match(stored.gateway_session_id, /^cs_/);
    assert.equal(stored.status, 'pending');
    // Where Stripe sends the payer back: the status only, refreshing while pending, nothing of the customer's.
    const page = await stack.request('GET', `/checkout/${payment.id}/result`, { key: null });
    assert.equal(page.status, 200);
    assert.match(page.text, /Payment processing/);
    assert.match(page.text, /http-equiv="refresh"/);
    assert.doesNotMatch(page.text, /Jan Kowalski|jan@example\.com|Internet, November/);
    assert.equal((await stack.request('GET', '/checkout/pay_unknown/result', { key: null })).status, 404);
  });

  it('asks the payer to save the card when the payment says save_card, where the gateway takes recurring charges only', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'stripe', save_card: true });
    const sent = sessionCreate(payment.id);
    assert.equal(sent?.status, 200);
    assert.equal(sent.form.get('payment_intent_data[setup_future_usage]'), 'off_session');
    assert.equal(sent.form.get('customer_creation'), 'always');
    assert.equal(sent.form.get('metadata[tollgate_save_card]'), 'true');
    const before = await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
    const refused = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 1815, currency: 'PLN', gateway: 'stripe_once', save_card: true } });
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.json.detail, /takes no recurring charges/);
    assert.equal(refused.json.errors[0].path, 'save_card');
    const afterwards = await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
    assert.equal(afterwards.rows[0].n, before.rows[0].n, 'nothing was written');
  });

  it('keeps a keyed payment whose gateway cannot be reached, pending with its workflow, and starts its checkout on the retry of the key', async () => {
    const customer = await createCustomer(stack);
    const send = () =>
      stack.request('POST', '/v1/payments', {
        body: { customer_id: customer.id, amount: 1815, currency: 'PLN', gateway: 'stripe_later', description: 'Internet, November', expires_in: 'PT30M' },
        headers: { 'idempotency-key': `unreachable-${customer.id}` },
      });
    const refused = await send();
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    const rows = (await stack.pool.query('SELECT id, status, checkout_url FROM payments WHERE customer_id = $1 AND amount_minor = 1815', [customer.id])).rows;
    assert.equal(rows.length, 1, 'the payment was committed, not rolled back under its started workflow');
    const [first] = rows;
    assert.deepEqual({ status: first.status, checkout_url: first.checkout_url }, { status: 'pending', checkout_url: null });
    assert.match(refused.json.detail, new RegExp(`payment ${first.id} was created and is pending`));
    const described = await stack.deps.temporal.workflow.getHandle(`payment:${first.id}`).describe();
    assert.equal(described.status.name, 'RUNNING');

    // A second keyed payment, refused the same way, is canceled before its key is retried: the
    // retry answers it canceled and asks the gateway for nothing.
    const sendOther = () =>
      stack.request('POST', '/v1/payments', {
        body: { customer_id: customer.id, amount: 999, currency: 'PLN', gateway: 'stripe_later', description: 'Internet, December', expires_in: 'PT30M' },
        headers: { 'idempotency-key': `unreachable-other-${customer.id}` },
      });
    assert.equal((await sendOther()).status, 503);
    const other = (await stack.pool.query('SELECT id FROM payments WHERE customer_id = $1 AND amount_minor = 999', [customer.id])).rows[0];
    const canceled = await stack.request('POST', `/v1/payments/${other.id}/cancel`, { body: { reason: 'customer changed their mind' }, headers: { 'idempotency-key': `cancel-${other.id}` } });
    assert.equal(canceled.status, 200, canceled.text);

    later = await startRecordingProxy(testEnv.stripeMockUrl(), laterPort);
    const otherAgain = await sendOther();
    assert.equal(otherAgain.status, 201, otherAgain.text);
    assert.deepEqual([otherAgain.json.id, otherAgain.json.status, otherAgain.json.checkout_url], [other.id, 'canceled', null]);
    assert.equal(later.requests.length, 0, 'no session for a canceled payment');
    const retried = await send();
    assert.equal(retried.status, 201, retried.text);
    assert.equal(retried.json.id, first.id, 'the retry of the key is the same payment');
    assert.match(retried.json.checkout_url, /^https:\/\/checkout\.stripe\.com\//);
    assert.equal((await row(first.id)).checkout_url, retried.json.checkout_url);
    assert.equal(later.requests.filter((r) => r.url === '/v1/checkout/sessions').length, 1);
    assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id])).rows[0].n, 2);
  });

  it('completes the payment from a signed checkout.session.completed, once: a redelivery of the same event is a duplicate', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'stripe' });
    // The session as Stripe reports it once paid: stripe-mock's fixture session came with an intent id already.
    const started = await row(payment.id);
    const intentId = started.gateway_intent_id ?? 'pi_test_completed';
    const event = signedEvent('checkout.session.completed', {
      id: started.gateway_session_id, object: 'checkout.session', client_reference_id: payment.id, metadata: { tollgate_payment_id: payment.id },
      payment_intent: intentId, payment_status: 'paid', status: 'complete',
    });
    const first = await stack.request('POST', '/v1/callbacks/stripe', { raw: event.body, headers: event.headers, key: null });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.status, 'accepted');
    const done = await waitFor('the payment to succeed', async () => {
      const r = await row(payment.id);
      return r.status === 'succeeded' ? r : undefined;
    });
    assert.equal(done.gateway_intent_id, intentId);
    assert.equal(done.gateway_transaction_id, intentId);
    assert.match((await stack.request('GET', `/checkout/${payment.id}/result`, { key: null })).text, /Payment successful/);
    const again = await stack.request('POST', '/v1/callbacks/stripe', { raw: event.body, headers: event.headers, key: null });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.status, 'duplicate');
    const journal = await stack.pool.query("SELECT outcome FROM inbound_requests WHERE source = 'stripe' AND event_id = $1 ORDER BY id", [JSON.parse(event.body).id]);
    assert.equal(journal.rows.length, 2);
    assert.match(journal.rows[0].outcome, /^(accepted|delivered)$/, 'the first delivery was taken (and maybe signalled already)');
    assert.equal(journal.rows[1].outcome, 'duplicate');
    const succeeded = await stack.pool.query("SELECT count(*)::int AS n FROM events WHERE aggregate_id = $1 AND type = 'payment.succeeded'", [payment.id]);
    assert.equal(succeeded.rows[0].n, 1);
  });

  it('refuses a forged event (another secret) with 401 and journals it, leaving the payment pending', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'stripe' });
    const forged = signedEvent('checkout.session.completed', {
      id: 'cs_test_forged', object: 'checkout.session', client_reference_id: payment.id, metadata: {}, payment_intent: 'pi_test_forged', payment_status: 'paid', status: 'complete',
    }, 'whsec_Zm9yZ2VkLXNlY3JldC1vZi1hbi1hdHRhY2tlcg==');
    const res = await stack.request('POST', '/v1/callbacks/stripe', { raw: forged.body, headers: forged.headers, key: null });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json.code, 'bad_signature');
    const journal = await stack.pool.query("SELECT outcome FROM inbound_requests WHERE source = 'stripe' AND body = $1", [forged.body]);
    assert.deepEqual(journal.rows.map((r) => r.outcome), ['rejected_signature']);
    assert.equal((await row(payment.id)).status, 'pending');
  });

  it('answers 200 and journals as ignored an authentic event about a payment Tollgate did not make, changing nothing', async () => {
    const event = signedEvent('payment_intent.succeeded', { id: 'pi_test_not_ours', object: 'payment_intent', status: 'succeeded', metadata: {}, latest_charge: 'ch_x', last_payment_error: null });
    const res = await stack.request('POST', '/v1/callbacks/stripe', { raw: event.body, headers: event.headers, key: null });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'ignored');
    const journal = await stack.pool.query('SELECT outcome, outcome_detail, target_kind FROM inbound_requests WHERE id = $1', [res.json.journal_id]);
    assert.equal(journal.rows[0].outcome, 'ignored');
    assert.match(journal.rows[0].outcome_detail, /Tollgate did not make/);
    assert.equal(journal.rows[0].target_kind, null);
  });
});
