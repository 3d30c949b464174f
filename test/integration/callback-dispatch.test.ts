import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/api/create-app.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { listUndelivered } from '../../src/db/inbound-requests.js';
import { CallbackDispatcher, dispatchBoundMs } from '../../src/relay/callback-dispatch.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The callback answer no longer waits for the signal (src/relay/callback-dispatch.ts), so an API
 * process can die with accepted rows answered but never signalled. The relay must deliver those —
 * and only once no live dispatcher can still hold them (dispatchBoundMs + CALLBACK_RELAY_GRACE_MS
 * after decided_at; here 2 × 1 s + 0.5 s).
 */
describe('callbacks answered but never signalled', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ CALLBACK_DISPATCH_MAX_PENDING: '4', CALLBACK_DISPATCH_CONCURRENCY: '4', CALLBACK_RELAY_GRACE_MS: '500' });
  });
  after(async () => {
    await stack?.close();
  });

  const callback = (paymentId: string) => {
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: paymentId, transaction_id: `t-${randomUUID()}`, code: '00' } });
    return { body, headers: { 'content-type': 'application/json', ...webhookHeaders(stack.config.SANDBOX_WEBHOOK_SECRET, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body) } };
  };

  it('delivers, through the relay, a row whose dispatcher died holding it', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    // A dispatcher that takes the job and never signals: what a process killed right after its
    // answer leaves behind — a committed 'accepted' row with no attempt recorded.
    const dead = new CallbackDispatcher(() => new Promise(() => undefined), stack.deps.log, 4, 4);
    const app = createApp({ ...stack.deps, callbackDispatch: dead });
    const { body, headers } = callback(payment.id);
    const res = await app.request('/v1/callbacks/sandbox', { method: 'POST', body, headers });
    assert.equal(res.status, 200);
    const receipt = (await res.json()) as { status: string; journal_id: number };
    assert.equal(receipt.status, 'accepted');
    const queued = await stack.pool.query('SELECT outcome, attempts FROM inbound_requests WHERE id = $1', [receipt.journal_id]);
    assert.deepEqual(queued.rows[0], { outcome: 'accepted', attempts: 0 }, 'journaled, not yet tried');

    // The stack's relay (its own live dispatcher does not hold this row) takes it once it is abandoned.
    const row = await waitFor('the relay to deliver the abandoned row', async () => {
      const r = await stack.pool.query('SELECT outcome, attempts, (extract(epoch FROM delivered_at - decided_at) * 1000)::float8 AS waited_ms FROM inbound_requests WHERE id = $1', [receipt.journal_id]);
      return r.rows[0].outcome === 'accepted' ? undefined : r.rows[0];
    });
    assert.equal(row.outcome, 'delivered');
    assert.equal(row.attempts, 1, 'one delivery, by the relay');
    const waitedMs: number = row.waited_ms;
    assert.ok(waitedMs >= 2500, `the relay left it alone while a live dispatcher could still hold it (${waitedMs} ms)`);
    const done = await waitFor('the payment to succeed', async () => {
      const p = await stack.request('GET', `/v1/payments/${payment.id}`);
      return p.json.status === 'succeeded' ? p.json : undefined;
    });
    assert.equal(done.gateway_code, '00');
    const events = await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.succeeded']);
  });

  it('answers accepted at once and delivers after the answer through the live dispatcher', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const { body, headers } = callback(payment.id);
    const res = await stack.request('POST', '/v1/callbacks/sandbox', { raw: body, key: null, headers });
    assert.equal(res.json.status, 'accepted');
    const row = await waitFor('the dispatcher to deliver', async () => {
      const r = await stack.pool.query('SELECT outcome, attempts FROM inbound_requests WHERE id = $1', [res.json.journal_id]);
      return r.rows[0].outcome === 'accepted' ? undefined : r.rows[0];
    });
    assert.equal(row.outcome, 'delivered');
    assert.equal(row.attempts, 1);
  });

  it('reads the journal with the bound of the largest dispatcher the config allows (past 2^31 ms)', async () => {
    const boundMs = dispatchBoundMs({ CALLBACK_DISPATCH_MAX_PENDING: 1_000_000, CALLBACK_DISPATCH_CONCURRENCY: 1, CALLBACK_SIGNAL_TIMEOUT_MS: 600_000 }) + 604_800_000;
    assert.ok(boundMs > 2 ** 31);
    // '::int' refused this with "integer out of range" and every relay tick failed.
    assert.ok(Array.isArray(await listUndelivered(stack.pool, boundMs, 1)));
  });
});
