import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { rawEvent } from '../support/raw-event.js';
import { inTransaction } from '../../src/db/pool.js';
import { newSigningSecret } from '../../src/db/webhook-endpoints.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { deleteEndpoints, endpointFor } from '../support/webhook-fixtures.js';
import { type Received, type Receiver, startReceiver } from '../support/webhook-receiver.js';

/** A port nobody listens on: bound, then closed. */
async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/dead`;
}

/**
 * Webhooks end to end: the real API and worker with the outbox, real receivers on loopback
 * (allowed by OUTBOUND_ALLOWED_HOSTS), and every signature checked with the official
 * `standardwebhooks` package, as a receiver would — never with Tollgate's own signer.
 */
describe('webhook delivery (integration)', () => {
  let stack: TestStack;
  const receivers: Receiver[] = [];
  const endpoints: string[] = [];
  before(async () => {
    // Four webhook slots, two per endpoint: without the per-endpoint limit the slow endpoint below would hold them all.
    stack = await startTestStack({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_CONCURRENCY: '4', WEBHOOK_ENDPOINT_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '10000' }, { outbox: true });
  });
  after(async () => {
    await deleteEndpoints(stack.pool, endpoints);
    for (const r of receivers) await r.close();
    await stack?.close();
  });

  async function receiver(answer?: Receiver['answer']) {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }
  async function endpoint(url: string, types: readonly string[]) {
    const e = await endpointFor(stack.pool, url, types);
    endpoints.push(e.id);
    return e;
  }
  const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers) as { id: number; type: string };
  /** `n` events of `type` committed in one transaction; their ids and commit time. */
  async function events(type: string, n: number): Promise<{ ids: bigint[]; committedAt: number }> {
    const ids = await inTransaction(stack.pool, async (tx) => {
      const out: bigint[] = [];
      for (let i = 0; i < n; i += 1) out.push(await rawEvent(tx, { type, aggregateType: 'test', aggregateId: `t_${randomUUID()}`, payload: { i } }));
      return out;
    });
    return { ids, committedAt: Date.now() };
  }

  it("delivers a payment's events, signed, with the body GET /v1/events/:id shows", async () => {
    const r = await receiver();
    const e = await endpoint(r.url, ['payment.created', 'payment.succeeded']);
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    await stack.request('POST', `/sandbox/checkout/${payment.id}/approve`, { key: null });
    const mine = () => r.received.filter((x) => JSON.parse(x.body).aggregate_id === payment.id);
    await waitFor('both events', async () => (mine().length >= 2 ? true : undefined), 30_000);
    const got = mine().map((x) => verify(e.secret, x));
    assert.deepEqual(got.map((g) => g.type).sort(), ['payment.created', 'payment.succeeded']);
    for (const x of mine()) {
      const item = (await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`)).json.data.find((d: { id: number }) => String(d.id) === x.headers['webhook-id']);
      assert.ok(item, 'webhook-id is the event id');
      assert.equal(x.body, JSON.stringify(item), 'the body is the event as GET /v1/events shows it');
    }
    // The receiver has each request before its delivery row is marked.
    const rows = await waitFor('both rows marked', async () => {
      const r = (await stack.pool.query('SELECT status, attempts, last_status_code FROM webhook_deliveries WHERE endpoint_id = $1', [e.id])).rows;
      return r.length === 2 && r.every((d) => d.status !== 'pending') ? r : undefined;
    }, 30_000);
    assert.deepEqual(rows.map((d) => [d.status, d.attempts, d.last_status_code]), [['succeeded', 1, 200], ['succeeded', 1, 200]]);
  });

  it('signs with both secrets during a rotation, so the old and the new one verify', async () => {
    const r = await receiver();
    const type = `test.${randomUUID()}`;
    const e = await endpoint(r.url, [type]);
    const fresh = newSigningSecret();
    await stack.pool.query(`UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = now() + interval '1 day', secret = $2 WHERE id = $1`, [e.id, fresh]);
    const { ids } = await events(type, 1);
    const got = await waitFor('the event', async () => r.received[0], 30_000);
    assert.equal(verify(e.secret, got).id, Number(ids[0]), 'the rotated-out secret verifies');
    assert.equal(verify(fresh, got).id, Number(ids[0]), 'the new secret verifies');
    assert.throws(() => verify(newSigningSecret(), got), 'a stranger\'s secret does not');
  });

  it('a dead endpoint and a slow one do not slow a live one', async () => {
    const N = 12;
    const live = await receiver();
    const liveType = `test.live.${randomUUID()}`;
    await endpoint(live.url, [liveType]);
    // The live endpoint alone: the lag this machine has today.
    const alone = await events(liveType, N);
    await waitFor('the live endpoint alone', async () => (live.received.length >= N ? true : undefined), 60_000);
    const aloneLag = Math.max(...live.received.map((x) => x.at)) - alone.committedAt;

    // Slow enough that a live event stuck behind it waits far longer than a loaded machine's jitter.
    const SLOW_MS = 8000;
    const slow = await receiver(() => ({ status: 200, delayMs: SLOW_MS }));
    const type = `test.mixed.${randomUUID()}`;
    const liveE = await endpoint(live.url, [type]);
    const slowE = await endpoint(slow.url, [type]);
    const deadE = await endpoint(await closedPortUrl(), [type]);
    live.received.length = 0;
    const mixed = await events(type, N);
    await waitFor('the live endpoint beside the others', async () => (live.received.length >= N ? true : undefined), 60_000);
    const mixedLag = Math.max(...live.received.map((x) => x.at)) - mixed.committedAt;
    // Behind the slow endpoint the last live event would wait for at least one slow answer (8 s) per two slots.
    assert.ok(mixedLag < aloneLag + SLOW_MS / 2, `live lag ${mixedLag} ms beside the others, ${aloneLag} ms alone`);
    const byEndpoint = async (id: string) => (await stack.pool.query('SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status ORDER BY status', [id])).rows;
    assert.ok(slow.received.length < N, 'the slow endpoint was still being served');
    // The receiver has the request before the delivery's row is marked: wait for the row, not the request.
    const succeeded = async (id: string) => {
      const rows = await byEndpoint(id);
      return rows.length === 1 && rows[0].status === 'succeeded' && rows[0].n === N ? rows : undefined;
    };
    assert.deepEqual(await waitFor('the live rows', () => succeeded(liveE.id), 30_000), [{ status: 'succeeded', n: N }]);
    const dead = await waitFor('the dead endpoint\'s first attempts', async () => {
      const rows = (await stack.pool.query(`SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`, [deadE.id])).rows;
      return rows.length >= N ? rows : undefined;
    }, 60_000);
    assert.ok(dead.every((a) => a.error === 'unreachable'), 'a closed port is unreachable, never a stack');
    const deadEndpoint = (await stack.pool.query('SELECT enabled, failing_since FROM webhook_endpoints WHERE id = $1', [deadE.id])).rows[0];
    assert.equal(deadEndpoint.enabled, true);
    assert.ok(deadEndpoint.failing_since instanceof Date);
    await waitFor('the slow endpoint to get everything', async () => (slow.received.length >= N ? true : undefined), 90_000);
    await waitFor('its rows', () => succeeded(slowE.id), 30_000);
  });
});
