import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { newId } from '../../src/db/ids.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type Status = 'pending' | 'succeeded' | 'failed' | 'canceled';

/**
 * Reading deliveries and sending them again over HTTP with the real app and Postgres. Deliveries are
 * staged straight in the database (as the delivery workflow would have left them, their workflows
 * marked started), so each test knows exactly which rows a retry or a recover must move.
 */
describe('webhook deliveries: read, retry, recover (real API, Postgres)', () => {
  let stack: TestStack;
  let readKey: string;
  const created: string[] = [];

  before(async () => {
    stack = await startTestStack({}, { worker: false });
    readKey = (await stack.request('POST', '/v1/api-keys', { body: { name: 'deliveries test', scopes: ['read'] } })).json.key;
  });
  afterEach(async () => {
    for (const id of created.splice(0)) {
      const res = await stack.request('DELETE', `/v1/webhook-endpoints/${id}`);
      assert.ok(res.status === 204 || res.status === 404, res.text);
    }
  });
  after(async () => {
    await stack?.close();
  });

  /**
   * An endpoint of a type no event has: another file's outbox, on the same database, fans no event
   * out to it, so its deliveries are exactly the ones a test stages.
   */
  async function endpoint(): Promise<string> {
    const res = await stack.request('POST', '/v1/webhook-endpoints', { body: { url: `https://hooks-${randomUUID()}.tollgate-test.invalid/`, event_types: ['payment.dispute_closed'] } });
    assert.equal(res.status, 201, res.text);
    created.push(res.json.id);
    return res.json.id;
  }

  async function event(type = 'payment.succeeded'): Promise<number> {
    const { rows } = await stack.pool.query<{ id: string }>(
      `INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ($1, 'payment', $2, '{}'::jsonb) RETURNING id::text`,
      [type, newId('pay')],
    );
    return Number(rows[0]?.id);
  }

  /** A delivery as a finished (or running) workflow leaves it: run 1, three attempts, its workflow started an hour ago. */
  async function delivery(endpointId: string, eventId: number, status: Status, ageDays = 0): Promise<string> {
    const id = newId('whd');
    await stack.pool.query(
      `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, run, attempts, last_status_code, last_error, workflow_started_at, created_at, completed_at)
       VALUES ($1, $2, $3, $4, 1, 3, 500, CASE WHEN $4 = 'failed' THEN 'http_status' END, now() - interval '1 hour', now() - make_interval(days => $5::int),
               CASE WHEN $4 = 'pending' THEN NULL ELSE now() END)`,
      [id, eventId, endpointId, status, ageDays],
    );
    return id;
  }

  /**
   * Sent again: pending in run 2 with its workflow to be started afresh. Another file's outbox on
   * the same database may already have started it (its own workflow then tries this .invalid URL),
   * so "to be started" reads: not the old start of an hour ago.
   */
  async function assertRequeued(id: string, since: Date) {
    const row = await rowOf(id);
    assert.ok(row);
    assert.deepEqual([row.status, row.run], ['pending', 2], id);
    assert.ok(row.workflow_started_at === null || row.workflow_started_at >= new Date(since.getTime() - 1000), `${id}: its old workflow start was cleared`);
  }

  async function rowOf(id: string) {
    const { rows } = await stack.pool.query<{ status: Status; run: number; attempts: number; workflow_started_at: Date | null }>(
      'SELECT status, run, attempts, workflow_started_at FROM webhook_deliveries WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  it('lists an endpoint\'s and an event\'s deliveries (status filter, pages) and shows one with its attempts', async () => {
    const we = await endpoint();
    const other = await endpoint();
    const [e1, e2, e3] = [await event(), await event('temporary_payment.created'), await event()];
    const d1 = await delivery(we, e1, 'failed', 2);
    const d2 = await delivery(we, e2, 'succeeded', 1);
    const d3 = await delivery(we, e3, 'failed');
    const d4 = await delivery(other, e1, 'succeeded');
    await stack.pool.query(
      `INSERT INTO webhook_attempts (delivery_id, run, attempt, started_at, latency_ms, status_code, response_excerpt, error)
       VALUES ($1, 1, 1, now() - interval '2 minutes', 120, 500, 'upstream broke', 'http_status'),
              ($1, 1, 2, now() - interval '1 minute', 15000, NULL, NULL, 'timeout')`,
      [d1],
    );

    const all = await stack.request('GET', `/v1/webhook-endpoints/${we}/deliveries`, { key: readKey });
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json.data.map((d: { id: string }) => d.id), [d3, d2, d1], 'newest first, only this endpoint');
    const failed = await stack.request('GET', `/v1/webhook-endpoints/${we}/deliveries?status=failed`, { key: readKey });
    assert.deepEqual(failed.json.data.map((d: { id: string }) => d.id), [d3, d1]);
    const page1 = await stack.request('GET', `/v1/webhook-endpoints/${we}/deliveries?limit=2`, { key: readKey });
    assert.equal(page1.json.data.length, 2);
    const page2 = await stack.request('GET', `/v1/webhook-endpoints/${we}/deliveries?limit=2&cursor=${page1.json.next_cursor}`, { key: readKey });
    assert.deepEqual(page2.json.data.map((d: { id: string }) => d.id), [d1]);
    assert.equal(page2.json.next_cursor, null);
    assert.equal(all.json.data[1].event_type, 'temporary_payment.created');

    const byEvent = await stack.request('GET', `/v1/events/${e1}/deliveries`, { key: readKey });
    assert.equal(byEvent.status, 200, byEvent.text);
    assert.deepEqual(new Set(byEvent.json.data.map((d: { id: string }) => d.id)), new Set([d1, d4]));

    const one = await stack.request('GET', `/v1/webhook-deliveries/${d1}`, { key: readKey });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(
      { ...one.json, created_at: undefined, updated_at: undefined, completed_at: undefined, attempts: undefined },
      { id: d1, event_id: e1, event_type: 'payment.succeeded', endpoint_id: we, status: 'failed', run: 1, attempt_count: 3, next_attempt_at: null, last_status_code: 500, last_error: 'http_status', created_at: undefined, updated_at: undefined, completed_at: undefined, attempts: undefined },
    );
    assert.deepEqual(
      one.json.attempts.map((a: Record<string, unknown>) => [a.attempt, a.status_code, a.latency_ms, a.response_excerpt, a.error]),
      [[2, null, 15000, null, 'timeout'], [1, 500, 120, 'upstream broke', 'http_status']],
    );
    assert.match(one.json.attempts[0].started_at, /^\d{4}-\d\d-\d\dT/);

    // A deleted endpoint's deliveries stay readable by id and by event, not under the endpoint.
    assert.equal((await stack.request('DELETE', `/v1/webhook-endpoints/${other}`)).status, 204);
    assert.equal((await stack.request('GET', `/v1/webhook-deliveries/${d4}`)).status, 200);
    assert.equal((await stack.request('GET', `/v1/events/${e1}/deliveries`)).json.data.length, 2);
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${other}/deliveries`)).status, 404);

    assert.equal((await stack.request('GET', '/v1/webhook-deliveries/whd_nosuchdelivery')).status, 404);
    assert.equal((await stack.request('GET', '/v1/events/999999999999/deliveries')).status, 404);
    assert.equal((await stack.request('GET', '/v1/events/abc/deliveries')).status, 400);
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${we}/deliveries?status=lost`)).status, 400);
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${we}/deliveries`, { key: null })).status, 401);
    const customer = (await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'Jan' } })).json;
    const token = (await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: {} })).json.token;
    for (const [method, path] of [
      ['GET', `/v1/webhook-endpoints/${we}/deliveries`],
      ['GET', `/v1/events/${e1}/deliveries`],
      ['GET', `/v1/webhook-deliveries/${d1}`],
      ['POST', `/v1/webhook-deliveries/${d1}/retry`],
    ] as const) {
      assert.equal((await stack.request(method, path, { key: token })).status, 404, `${method} ${path} with a customer token`);
    }
    assert.equal((await rowOf(d1))?.run, 1, 'and moved nothing');
  });

  it('retry sends exactly that delivery again in a new run; 409 while pending or when its endpoint is off or deleted', async () => {
    const we = await endpoint();
    const failed = await delivery(we, await event(), 'failed');
    const succeeded = await delivery(we, await event(), 'succeeded');
    const pending = await delivery(we, await event(), 'pending');
    const bystander = await delivery(we, await event(), 'failed');

    const asked = new Date();
    const res = await stack.request('POST', `/v1/webhook-deliveries/${failed}/retry`);
    assert.equal(res.status, 202, res.text);
    assert.deepEqual([res.json.id, res.json.status, res.json.run, res.json.attempt_count, res.json.completed_at], [failed, 'pending', 2, 0, null]);
    await assertRequeued(failed, asked);
    const again = await stack.request('POST', `/v1/webhook-deliveries/${succeeded}/retry`);
    assert.equal(again.status, 202, again.text);
    assert.equal(again.json.run, 2);
    assert.equal((await rowOf(bystander))?.status, 'failed', 'no other row moved');
    assert.equal((await rowOf(bystander))?.run, 1);

    const busy = await stack.request('POST', `/v1/webhook-deliveries/${pending}/retry`);
    assert.equal(busy.status, 409, busy.text);
    assert.match(busy.json.detail, /still pending/);
    assert.equal((await rowOf(pending))?.run, 1);

    assert.equal((await stack.request('PATCH', `/v1/webhook-endpoints/${we}`, { body: { enabled: false } })).status, 200);
    const off = await stack.request('POST', `/v1/webhook-deliveries/${bystander}/retry`);
    assert.equal(off.status, 409, off.text);
    assert.match(off.json.detail, /disabled/);
    assert.equal((await stack.request('POST', `/v1/webhook-endpoints/${we}/recover`, { body: { since: new Date(Date.now() - 86_400_000).toISOString() } })).status, 409);

    assert.equal((await stack.request('DELETE', `/v1/webhook-endpoints/${we}`)).status, 204);
    const gone = await stack.request('POST', `/v1/webhook-deliveries/${bystander}/retry`);
    assert.equal(gone.status, 409, gone.text);
    assert.match(gone.json.detail, /deleted/);
    assert.equal((await rowOf(bystander))?.status, 'failed');
    assert.equal((await stack.request('POST', '/v1/webhook-deliveries/whd_nosuchdelivery/retry')).status, 404);
  });

  it('two retries of one delivery at once: one is taken (202), the other finds it pending (409), one new run', async () => {
    const we = await endpoint();
    const failed = await delivery(we, await event(), 'failed');
    const answers = await Promise.all([1, 2, 3].map(() => stack.request('POST', `/v1/webhook-deliveries/${failed}/retry`)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [202, 409, 409], answers.map((a) => a.text).join('\n'));
    assert.equal((await rowOf(failed))?.run, 2);
  });

  it('recover resends every delivery of that endpoint created since `since` that never arrived, and nothing else', async () => {
    const we = await endpoint();
    const other = await endpoint();
    // Canceled: stopped while the endpoint was disabled (the delivery workflow cancels then), which a recover is for.
    const recent = [await delivery(we, await event(), 'failed', 1), await delivery(we, await event(), 'failed', 3), await delivery(we, await event(), 'canceled', 2)];
    const tooOld = await delivery(we, await event(), 'failed', 10);
    const succeeded = await delivery(we, await event(), 'succeeded', 1);
    const pending = await delivery(we, await event(), 'pending', 1);
    const otherFailed = await delivery(other, await event(), 'failed', 1);

    const since = new Date(Date.now() - 5 * 86_400_000).toISOString();
    const asked = new Date();
    const res = await stack.request('POST', `/v1/webhook-endpoints/${we}/recover`, { body: { since } });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.json, { requeued: 3 });
    for (const id of recent) await assertRequeued(id, asked);
    assert.deepEqual([(await rowOf(tooOld))?.status, (await rowOf(tooOld))?.run], ['failed', 1]);
    assert.deepEqual([(await rowOf(succeeded))?.status, (await rowOf(succeeded))?.run], ['succeeded', 1]);
    assert.deepEqual([(await rowOf(pending))?.status, (await rowOf(pending))?.run], ['pending', 1]);
    assert.deepEqual([(await rowOf(otherFailed))?.status, (await rowOf(otherFailed))?.run], ['failed', 1]);
    const twice = await stack.request('POST', `/v1/webhook-endpoints/${we}/recover`, { body: { since } });
    assert.deepEqual(twice.json, { requeued: 0 }, 'what is pending again is not queued twice');

    for (const bad of [{ since: new Date(Date.now() - 31 * 86_400_000).toISOString() }, { since: 'yesterday' }, { since: new Date(Date.now() + 3_600_000).toISOString() }, {}]) {
      const r = await stack.request('POST', `/v1/webhook-endpoints/${we}/recover`, { body: bad });
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
      assert.equal(r.json.errors[0].path, 'since');
    }
    assert.equal((await stack.request('POST', '/v1/webhook-endpoints/we_nosuchendpoint/recover', { body: { since } })).status, 404);
    assert.equal((await stack.request('POST', `/v1/webhook-endpoints/${we}/recover`, { body: { since }, key: readKey })).status, 403);
    assert.equal((await stack.request('POST', `/v1/webhook-deliveries/${otherFailed}/retry`, { key: readKey })).status, 403);
  });

  it('deleting an endpoint cancels its pending deliveries and keeps the finished ones', async () => {
    const we = await endpoint();
    const pending = await delivery(we, await event(), 'pending');
    const failed = await delivery(we, await event(), 'failed');
    const succeeded = await delivery(we, await event(), 'succeeded');
    assert.equal((await stack.request('DELETE', `/v1/webhook-endpoints/${we}`)).status, 204);
    assert.equal((await rowOf(pending))?.status, 'canceled');
    assert.equal((await rowOf(failed))?.status, 'failed');
    assert.equal((await rowOf(succeeded))?.status, 'succeeded');
  });
});
