import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { appendEvent } from '../../src/db/events.js';
import { newId } from '../../src/db/ids.js';
import { insertCreatedPayment } from '../../src/db/payments.js';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import { checkEventPayload, EventPayloadMismatch, setEventPayloadCheck } from '../../src/events/payload-check.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

interface Ev { id: number; type: string; aggregate_type: string; aggregate_id: string; aggregate_version: number; payload: Record<string, any>; created_at: string }

/**
 * The event feed as a receiver reads it, on the dev server with the real worker and Postgres:
 * one event by id, the type filter, aggregate versions over a payment's life, and two
 * transactions appending to one aggregate at once.
 */
describe('events: GET /v1/events/:id, ?type=, aggregate_version (dev server, real worker, Postgres)', () => {
  let stack: TestStack;
  let readKey: string;
  before(async () => {
    stack = await startTestStack();
    const minted = await stack.request('POST', '/v1/api-keys', { body: { name: 'events reader', scopes: ['read'] } });
    assert.equal(minted.status, 201, minted.text);
    readKey = minted.json.key;
  });
  after(async () => {
    await stack?.close();
  });

  const feedOf = async (aggregateId: string, query = ''): Promise<Ev[]> => {
    const res = await stack.request('GET', `/v1/events?after=0&limit=1000&aggregate_id=${aggregateId}${query}`, { key: readKey });
    assert.equal(res.status, 200, res.text);
    return res.json.data as Ev[];
  };
  /**
   * The feed of an aggregate once it has `n` events: a transaction of the worker's or the relay's
   * still open below the reader's snapshot holds the newest back for a moment (the feed's rule).
   */
  const feedOnce = (aggregateId: string, n: number) => waitFor(`${n} events of ${aggregateId}`, async () => {
    const e = await feedOf(aggregateId);
    return e.length >= n ? e : undefined;
  });
  const endpointPayload = (id: string) => ({ endpoint_id: id, url: 'https://billing.example.com/hooks', event_types: ['*'], enabled: true });

  it("numbers a payment's events 1, 2, 3 through create → succeed → refund, and its refund's on their own", async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id, { amount: 3000 });
    await stack.request('POST', `/sandbox/checkout/${payment.id}/approve`, { key: null });
    await waitFor(`payment ${payment.id} succeeded`, async () => ((await stack.request('GET', `/v1/payments/${payment.id}`)).json.status === 'succeeded' ? true : undefined));
    const refund = await stack.request('POST', `/v1/payments/${payment.id}/refunds`, { body: { amount: 1000, reason: 'one month back' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(refund.status, 201, refund.text);
    const events = await waitFor('payment.refunded', async () => {
      const e = await feedOf(payment.id);
      return e.some((x) => x.type === 'payment.refunded') ? e : undefined;
    });
    assert.deepEqual(events.map((e) => [e.type, e.aggregate_type, e.aggregate_version]), [
      ['payment.created', 'payment', 1], ['payment.succeeded', 'payment', 2], ['payment.refunded', 'payment', 3],
    ]);
    assert.deepEqual(events[2]?.payload, {
      payment_id: payment.id, refund_id: refund.json.id, customer_id: events[0]?.payload.customer_id, amount: 3000, refund_amount: 1000, refunded_amount: 1000, currency: 'PLN', full: false,
    });
    const refundEvents = await feedOf(refund.json.id);
    assert.deepEqual(refundEvents.map((e) => [e.type, e.aggregate_version]), [['refund.created', 1], ['refund.succeeded', 2]]);
    // Every one of them is what the catalog documents (closed: no undocumented field).
    for (const e of [...events, ...refundEvents]) assert.doesNotThrow(() => checkEventPayload(e.type, e.aggregate_type, e.payload), e.type);
  });

  it('GET /v1/events/:id is the feed item byte for byte; 404 problem for none; 400 for a non-id; 401 without a key', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const [created] = await feedOnce(payment.id, 1);
    assert.ok(created);
    const one = await stack.request('GET', `/v1/events/${created.id}`, { key: readKey });
    assert.equal(one.status, 200, one.text);
    const feedText = (await stack.request('GET', `/v1/events?aggregate_id=${payment.id}&limit=1`, { key: readKey })).text;
    assert.ok(feedText.includes(one.text), `${one.text} inside ${feedText}`);
    assert.deepEqual(Object.keys(one.json), ['id', 'type', 'aggregate_type', 'aggregate_id', 'aggregate_version', 'payload', 'created_at']);
    assert.equal(one.json.type, 'payment.created');
    assert.equal(one.json.aggregate_version, 1);

    const none = await stack.request('GET', '/v1/events/999999999999999999', { key: readKey });
    assert.equal(none.status, 404);
    assert.match(none.headers.get('content-type') ?? '', /application\/problem\+json/);
    for (const bad of ['abc', '0', '-1', '1e3', '9999999999999999999']) {
      assert.equal((await stack.request('GET', `/v1/events/${bad}`, { key: readKey })).status, 400, bad);
    }
    assert.equal((await stack.request('GET', `/v1/events/${created.id}`, { key: null })).status, 401);
    // A customer's own token reads no events, not even its own payment's: the feed is the billing system's.
    const customerId = created.payload.customer_id as string;
    const token = (await stack.request('POST', `/v1/customers/${customerId}/tokens`, { body: {} })).json.token as string;
    assert.equal((await stack.request('GET', `/v1/events/${created.id}`, { key: token })).status, 404);
    assert.equal((await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`, { key: token })).status, 404);
  });

  it('?type= keeps only those types (one or several); an unknown type is 400 naming it', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    await stack.request('POST', `/v1/payments/${payment.id}/cancel`, { body: { reason: 'changed my mind' }, headers: { 'idempotency-key': randomUUID() } });
    await waitFor('payment.canceled', async () => ((await feedOf(payment.id)).length === 2 ? true : undefined));
    assert.deepEqual((await feedOf(payment.id, '&type=payment.canceled')).map((e) => e.type), ['payment.canceled']);
    assert.deepEqual((await feedOf(payment.id, '&type=payment.created&type=payment.canceled')).map((e) => e.type), ['payment.created', 'payment.canceled']);
    assert.deepEqual(await feedOf(payment.id, '&type=refund.created'), []);
    const bad = await stack.request('GET', '/v1/events?type=payment.teleported', { key: readKey });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /type/);
  });

  it('two transactions appending to one aggregate get versions 1 and 2: the second waits for the first to commit', async () => {
    const id = `we_${randomUUID()}`;
    const a = await stack.pool.connect();
    const b = await stack.pool.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const first = await appendEvent(a, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: id, payload: endpointPayload(id) });
      let secondDone = false;
      const second = appendEvent(b, { type: 'webhook_endpoint.updated', aggregateType: 'webhook_endpoint', aggregateId: id, payload: endpointPayload(id) }).then((r) => {
        secondDone = true;
        return r;
      });
      // b is blocked on a's lock, as a third session sees it.
      await waitFor('the second writer to wait on the aggregate lock', async () => {
        const w = await stack.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'", [bPid]);
        return w.rowCount ? true : undefined;
      });
      assert.equal(secondDone, false);
      await a.query('COMMIT');
      const got = await second;
      await b.query('COMMIT');
      assert.deepEqual([first.aggregateVersion, got.aggregateVersion], [1, 2]);
    } finally {
      a.release();
      b.release();
    }
    assert.deepEqual((await feedOnce(id, 2)).map((e) => [e.type, e.aggregate_version]), [['webhook_endpoint.created', 1], ['webhook_endpoint.updated', 2]]);
  });

  it('writers of different aggregates do not wait for each other; many at once on one aggregate get 1…n with no gap', async () => {
    const id = `we_${randomUUID()}`;
    const a = await stack.pool.connect();
    try {
      await a.query('BEGIN');
      await appendEvent(a, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: `we_${randomUUID()}`, payload: endpointPayload('x') });
      // Committed at once although a holds its own aggregate's lock.
      await appendEvent(stack.pool, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: id, payload: endpointPayload(id) });
      await a.query('ROLLBACK');
    } finally {
      a.release();
    }
    await Promise.all(Array.from({ length: 4 }, () => appendEvent(stack.pool, { type: 'webhook_endpoint.updated', aggregateType: 'webhook_endpoint', aggregateId: id, payload: endpointPayload(id) })));
    // In versions, not in the feed's order: four writers at once take their transaction ids and the
    // aggregate's lock in either order, and the feed lists them by transaction id.
    assert.deepEqual((await feedOnce(id, 5)).map((e) => e.aggregate_version).sort((x, y) => x - y), [1, 2, 3, 4, 5]);
  });

  it('GET /v1/events/:id holds back an event the feed holds back: committed while an older transaction is still open', async () => {
    const older = await stack.pool.connect();
    try {
      await older.query('BEGIN');
      await appendEvent(older, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: `we_${randomUUID()}`, payload: endpointPayload('older') });
      const id = `we_${randomUUID()}`;
      const later = await appendEvent(stack.pool, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: id, payload: endpointPayload(id) });
      assert.equal((await stack.request('GET', `/v1/events/${later.id}`, { key: readKey })).status, 404);
      assert.deepEqual(await feedOf(id), []);
      await older.query('COMMIT');
      const shown = await waitFor('the event once the older transaction committed', async () => {
        const r = await stack.request('GET', `/v1/events/${later.id}`, { key: readKey });
        return r.status === 200 ? r : undefined;
      });
      assert.equal(shown.json.aggregate_id, id);
      assert.equal((await feedOnce(id, 1)).length, 1);
    } finally {
      older.release();
    }
  });

  it('in development a write that does not match the catalog fails and writes nothing', async () => {
    const id = `we_${randomUUID()}`;
    const wrong = { ...endpointPayload(id), secret: 'whsec_never_in_an_event' };
    await assert.rejects(appendEvent(stack.pool, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: id, payload: wrong }), EventPayloadMismatch);
    assert.deepEqual(await feedOf(id), []);
  });

  it('in production a write that does not match is written as it is and logged (field names, no values)', async () => {
    const id = `we_${randomUUID()}`;
    const warnings: string[] = [];
    setEventPayloadCheck('log', { warn: (fields, message) => warnings.push(`${message} ${JSON.stringify(fields)}`), error: () => undefined });
    try {
      const odd = { ...endpointPayload(id), enabled: 'yes' } as unknown as ReturnType<typeof endpointPayload>;
      await appendEvent(stack.pool, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: id, payload: odd });
    } finally {
      setEventPayloadCheck('throw', stack.deps.log);
    }
    assert.deepEqual((await feedOnce(id, 1)).map((e) => e.payload.enabled), ['yes']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /enabled/);
    assert.doesNotMatch(warnings[0] ?? '', /"yes"/);
  });

  it('a payment and its payment.created are one statement: a reference already taken writes neither', async () => {
    const customer = await createCustomer(stack);
    const reference = `ref-${randomUUID()}`;
    const base = {
      customerId: customer.id, amountMinor: 1250n, currency: 'PLN', gateway: 'sandbox', mode: 'test' as const, description: 'two rows, one statement',
      reference, expiresAt: new Date(Date.now() + 60_000), adapter: 'sandbox', settlement: 'immediate' as const, paymentExpirationMs: 60_000, lateSuccess: 'keep' as const,
    };
    const first = await insertCreatedPayment(stack.pool, { ...base, id: newId('pay') });
    assert.ok(first, 'the reference was free');
    const taken = newId('pay');
    assert.equal(await insertCreatedPayment(stack.pool, { ...base, id: taken, commissionMinor: 50n }), undefined, 'the reference is taken: no payment');
    const rows = await stack.pool.query<{ aggregate_id: string; payload: Record<string, unknown> }>({
      text: `SELECT aggregate_id, payload FROM events WHERE type = 'payment.created' AND aggregate_id = ANY($1)`,
      values: [[first.id, taken]],
    });
    assert.deepEqual(rows.rows.map((r) => r.aggregate_id), [first.id], 'and no event for it');
    assert.deepEqual(rows.rows[0]?.payload, {
      payment_id: first.id, customer_id: customer.id, amount: 1250, currency: 'PLN', gateway: 'sandbox', mode: 'test', reference, credited_amount: 1250, commission: 0,
    });
  });

  it('/openapi.json documents Event as a union on type with every type, used by both routes', async () => {
    const doc = (await stack.request('GET', '/openapi.json', { key: null })).json;
    const union = doc.components.schemas.Event;
    assert.equal(union.discriminator.propertyName, 'type');
    assert.deepEqual(Object.keys(union.discriminator.mapping).sort(), [...EVENT_TYPES].sort());
    assert.equal(doc.paths['/v1/events/{id}'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/Event');
    assert.equal(doc.components.schemas.EventPage.properties.data.items.$ref, '#/components/schemas/Event');
    assert.ok(doc.paths['/v1/events/{id}'].get.responses['404']);
  });
});
