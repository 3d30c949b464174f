import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { createCustomer } from '../support/fixtures.js';
import { gatewayEnv, LIVE_SECRET, sandboxEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * What the gateways file decides: the callback IP allowlist, and the test/live mode, which a
 * payment keeps from its start however the configuration changes while it is in flight.
 */
describe('gateways from the configuration file', () => {
  const stacks: TestStack[] = [];
  after(async () => {
    for (const s of stacks) await s.close();
  });

  async function stackWith(gateways: Array<Record<string, unknown>>, extra: Record<string, string> = {}) {
    const s = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways), ...gatewayEnv, ...extra });
    stacks.push(s);
    return s;
  }

  function callback(s: TestStack, paymentId: string, secret: string, gateway = 'sandbox') {
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: paymentId, transaction_id: `t-${randomUUID()}`, code: '00' } });
    const marker = randomUUID();
    return {
      marker,
      send: () =>
        s.request('POST', `/v1/callbacks/${gateway}`, {
          raw: body,
          key: null,
          headers: { 'content-type': 'application/json', 'x-request-id': marker, ...webhookHeaders(secret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body) },
        }),
    };
  }

  describe('callback IP allowlist', () => {
    let s: TestStack;
    before(async () => {
      s = await stackWith([sandboxEntry({ callback_allowlist: ['10.0.0.0/8', '2001:db8::/32'] }), sandboxEntry({ name: 'open_sandbox', callback_allowlist: ['127.0.0.0/8'] })]);
    });

    it('refuses a correctly signed callback from outside the allowlist with 403, journaled, changing nothing', async () => {
      const customer = await createCustomer(s);
      const p = await s.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 500, currency: 'PLN', gateway: 'sandbox' } });
      const cb = callback(s, p.json.id, TEST_SECRET);
      const res = await cb.send();
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal(res.json.code, 'forbidden_source');
      const row = await s.pool.query("SELECT outcome, source_ip FROM inbound_requests WHERE headers->>'x-request-id' = $1", [cb.marker]);
      assert.equal(row.rows[0].outcome, 'rejected_source');
      assert.match(row.rows[0].source_ip, /127\.0\.0\.1/);
      assert.equal((await s.request('GET', `/v1/payments/${p.json.id}`)).json.status, 'pending');
      const journal = await s.request('GET', '/v1/callbacks?gateway=sandbox&outcome=rejected_source');
      assert.ok(journal.json.data.some((e: { headers: Record<string, string> }) => e.headers['x-request-id'] === cb.marker));
    });

    it('accepts the same callback for a gateway whose allowlist covers the sender', async () => {
      const customer = await createCustomer(s);
      const p = await s.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 500, currency: 'PLN', gateway: 'open_sandbox' } });
      const res = await callback(s, p.json.id, TEST_SECRET, 'open_sandbox').send();
      assert.equal(res.status, 200, res.text);
      await waitFor('success', async () => ((await s.request('GET', `/v1/payments/${p.json.id}`)).json.status === 'succeeded' ? true : undefined));
    });
  });

  it('a payment keeps the mode it started in when the gateway is switched from test to live', async () => {
    const testMode = await stackWith([sandboxEntry({ mode: 'test' })]);
    const customer = await createCustomer(testMode);
    const inFlight = await testMode.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 700, currency: 'EUR', gateway: 'sandbox' } });
    assert.equal(inFlight.json.mode, 'test');

    // The operator switches the gateway to live: a new API on the same task queue and database.
    const liveMode = await stackWith([sandboxEntry({ mode: 'live' })], { TEMPORAL_TASK_QUEUE: testMode.config.TEMPORAL_TASK_QUEUE });
    assert.equal((await liveMode.request('GET', '/v1/gateways')).json.data[0].mode, 'live');
    const fresh = await liveMode.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 700, currency: 'EUR', gateway: 'sandbox' } });
    assert.equal(fresh.json.mode, 'live');

    // The in-flight test payment is still a test payment: a live-signed callback cannot complete it…
    const crossed = await callback(liveMode, inFlight.json.id, LIVE_SECRET).send();
    assert.equal(crossed.status, 401);
    assert.match(crossed.json.detail, /test mode/);
    assert.equal((await liveMode.request('GET', `/v1/payments/${inFlight.json.id}`)).json.status, 'pending');
    // …its own test account's callback does, and it stays test.
    const own = await callback(liveMode, inFlight.json.id, TEST_SECRET).send();
    assert.equal(own.status, 200, own.text);
    const done = await waitFor('the in-flight payment to succeed', async () => {
      const r = await liveMode.request('GET', `/v1/payments/${inFlight.json.id}`);
      return r.json.status === 'succeeded' ? r.json : undefined;
    });
    assert.equal(done.mode, 'test');
    // And the new live payment takes live callbacks only.
    assert.equal((await callback(liveMode, fresh.json.id, TEST_SECRET).send()).status, 401);
    assert.equal((await callback(liveMode, fresh.json.id, LIVE_SECRET).send()).status, 200);
  });

  it('refuses a payment outside the gateway min/max with the reason, creating nothing', async () => {
    const s = await stackWith([sandboxEntry({ min_amount: 1000, max_amount: 5000 })]);
    const customer = await createCustomer(s);
    const res = await s.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 999, currency: 'PLN', gateway: 'sandbox' } });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.json.errors), /10\.00–50\.00/);
    const rows = await s.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
    assert.equal(rows.rows[0].n, 0);
  });

  it('a short payment_expiration (an ISO duration) lets a temporary payment expire on a real server', async () => {
    const s = await stackWith([sandboxEntry({ name: 'quick_deferred', settlement: 'deferred', payment_expiration: 'PT2S' })]);
    assert.equal((await s.request('GET', '/v1/gateways')).json.data[0].payment_expiration, 'PT2S');
    const customer = await createCustomer(s);
    const p = await s.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 900, currency: 'PLN', gateway: 'quick_deferred' } });
    await s.request('POST', `/sandbox/checkout/${p.json.id}/approve`, { key: null });
    const expired = await waitFor('the temporary payment to settle by expiry', async () => {
      const list = await s.request('GET', `/v1/temporary-payments?customer_id=${customer.id}&status=settled`);
      return list.json.data[0];
    });
    assert.equal(expired.settled_reason, 'expired');
    assert.equal(expired.expires_at, null);
    const events = await s.request('GET', `/v1/events?aggregate_id=${expired.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['temporary_payment.created', 'temporary_payment.settled']);
  });
});
