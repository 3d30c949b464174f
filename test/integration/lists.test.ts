import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The lists a billing system reads: payments (filters: customer, gateway, status, mode, created
 * from/to, reference) and customers (external_ref), and cursor paging that never skips rows created
 * in the same millisecond — Postgres keeps microseconds, a JS Date does not.
 */
describe('lists and cursor paging (dev server, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  /** Every page of a list, following next_cursor; limit 2 so page breaks fall inside one millisecond. */
  async function allPages(path: string, limit = 2): Promise<Array<{ id: string }>> {
    const rows: Array<{ id: string }> = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await stack.request('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.json).sort(), ['data', 'next_cursor']);
      rows.push(...res.json.data);
      cursor = res.json.next_cursor;
      if (cursor === null) return rows;
    }
    throw new Error('more than 100 pages');
  }

  /** `n` timestamps inside one millisecond, newest first: base.123009, .123008, … (microseconds). */
  function sameMillisecond(n: number): string[] {
    // A moment of our own, far ahead, so these rows are the newest of lists without a filter.
    const base = new Date(Date.UTC(2099, 0, 1) + randomInt(0, 300 * 86_400) * 1000).toISOString().slice(0, 19);
    return Array.from({ length: n }, (_, i) => `${base}.123${String(n - i).padStart(3, '0')}Z`);
  }

  it('pages payments, temporary payments, customers and statements without losing rows created in one millisecond', async () => {
    const customer = await createCustomer(stack);
    const times = sameMillisecond(7);

    // Payments of one customer, all in one millisecond.
    const paymentIds = times.map((_, i) => `pay_ms_${randomUUID()}_${i}`);
    for (const [i, id] of paymentIds.entries()) {
      await stack.pool.query(
        `INSERT INTO payments (id, customer_id, amount_minor, currency, gateway, mode, reference, status, expires_at, created_at, settlement)
         VALUES ($1, $2, 100, 'PLN', 'sandbox_deferred', 'test', $3, 'succeeded', now(), $4, 'deferred')`,
        [id, customer.id, `MS-${randomUUID().slice(0, 20)}`, times[i]],
      );
    }
    const payments = await allPages(`/v1/payments?customer_id=${customer.id}`);
    assert.deepEqual(payments.map((p) => p.id), paymentIds, 'every payment once, newest first');

    // Their temporary payments, in the same millisecond too.
    const tmpIds = paymentIds.map((_, i) => `tmp_ms_${randomUUID()}_${i}`);
    for (const [i, id] of tmpIds.entries()) {
      await stack.pool.query(
        `INSERT INTO temporary_payments (id, payment_id, customer_id, amount_minor, currency, reference, created_at)
         SELECT $1, id, customer_id, amount_minor, currency, reference, $3 FROM payments WHERE id = $2`,
        [id, paymentIds[i], times[i]],
      );
    }
    assert.deepEqual((await allPages(`/v1/temporary-payments?customer_id=${customer.id}`)).map((t) => t.id), tmpIds);

    // Customers and statements have no narrowing filter here: ours are the newest (year 2099).
    const customerIds = times.map((_, i) => `cus_ms_${randomUUID()}_${i}`);
    for (const [i, id] of customerIds.entries()) {
      await stack.pool.query('INSERT INTO customers (id, external_ref, name, created_at) VALUES ($1, $2, $3, $4)', [id, `ms-${id}`, 'Same Millisecond', times[i]]);
    }
    const customers = await allPages('/v1/customers');
    assert.deepEqual(customers.filter((c) => customerIds.includes(c.id)).map((c) => c.id), customerIds);

    const statementIds = times.map((_, i) => `stm_ms_${randomUUID()}_${i}`);
    for (const [i, id] of statementIds.entries()) {
      await stack.pool.query(`INSERT INTO bank_statements (id, sha256, format, line_count, status, created_at) VALUES ($1, $1, 'mt940', 0, 'done', $2)`, [id, times[i]]);
    }
    const statements = await allPages('/v1/bank-statements');
    assert.deepEqual(statements.filter((s) => statementIds.includes(s.id)).map((s) => s.id), statementIds);

    // A cursor this API never made is a 400 naming the parameter.
    const bad = await stack.request('GET', '/v1/payments?cursor=bm9wZQ');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors[0].path, 'cursor');
  });

  it('ends every list with next_cursor null, also when the last page is exactly full (one pagination helper); the event feed says where it ended', async () => {
    const aggregateId = `agg_${randomUUID()}`;
    for (let i = 0; i < 4; i += 1) {
      await stack.pool.query("INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.paged', 'test', $1, '{}')", [aggregateId]);
    }
    // The feed is not a list: its last page grows, so a page that read something always has a
    // cursor to go on from, and only an empty page has none.
    const first = await stack.request('GET', `/v1/events?after=0&limit=2&aggregate_id=${aggregateId}`);
    assert.equal(first.json.data.length, 2);
    assert.equal(typeof first.json.next_cursor, 'string', 'an opaque cursor, not an event id');
    const second = await stack.request('GET', `/v1/events?after=${first.json.next_cursor}&limit=2&aggregate_id=${aggregateId}`);
    assert.equal(second.json.data.length, 2);
    assert.equal(typeof second.json.next_cursor, 'string', 'the place to poll from once more come');
    const caughtUp = await stack.request('GET', `/v1/events?after=${second.json.next_cursor}&limit=2&aggregate_id=${aggregateId}`);
    assert.deepEqual(caughtUp.json, { data: [], next_cursor: null });

    const customer = await createCustomer(stack);
    const payments = [await createPayment(stack, customer.id), await createPayment(stack, customer.id)];
    const page = await stack.request('GET', `/v1/payments?customer_id=${customer.id}&limit=2`);
    assert.deepEqual(page.json.data.map((p: { id: string }) => p.id).sort(), payments.map((p) => p.id).sort());
    assert.equal(page.json.next_cursor, null);
  });

  it('lists the payments of a day, by gateway, status, mode and reference, and finds a customer by external_ref', async () => {
    const customer = await createCustomer(stack);
    const other = await createCustomer(stack);
    const a = await createPayment(stack, customer.id, { reference: `DAY-${randomUUID().slice(0, 12)}` });
    const b = await createPayment(stack, customer.id, { gateway: 'bank_transfer', amount: 4900 });
    const c = await createPayment(stack, other.id);
    // One of yesterday's, written as it stood then.
    const yesterday = new Date(Date.now() - 86_400_000);
    await stack.pool.query(`UPDATE payments SET created_at = $2, status = 'failed' WHERE id = $1`, [c.id, yesterday]);

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const ids = async (query: string) => (await allPages(`/v1/payments?${query}`, 50)).map((p) => p.id);

    const ofToday = await ids(`created_from=${today}&created_to=${tomorrow}`);
    assert.ok(ofToday.includes(a.id) && ofToday.includes(b.id), 'today\'s payments');
    if (yesterday.toISOString().slice(0, 10) !== today) assert.ok(!ofToday.includes(c.id), 'not yesterday\'s');
    assert.deepEqual(await ids(`customer_id=${customer.id}`), [b.id, a.id], 'newest first');
    assert.deepEqual(await ids(`customer_id=${customer.id}&gateway=bank_transfer`), [b.id]);
    assert.deepEqual(await ids(`customer_id=${other.id}&status=failed`), [c.id]);
    assert.deepEqual(await ids(`customer_id=${other.id}&status=pending`), []);
    assert.deepEqual(await ids(`customer_id=${customer.id}&mode=live`), []);
    assert.deepEqual(await ids(`reference=${a.reference}`), [a.id]);
    const window = await ids(`customer_id=${customer.id}&created_from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&created_to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    assert.deepEqual(window, [b.id, a.id], 'a window in date-times');
    const page = (await stack.request('GET', `/v1/payments?reference=${a.reference}`)).json.data[0];
    assert.deepEqual([page.status, page.amount, page.currency, page.gateway, page.mode], ['pending', 1815, 'PLN', 'sandbox', 'test']);

    assert.equal((await stack.request('GET', '/v1/payments?status=nope')).status, 400);
    assert.equal((await stack.request('GET', '/v1/payments?created_from=yesterday')).status, 400);

    const found = await stack.request('GET', `/v1/customers?external_ref=${encodeURIComponent(customer.external_ref)}`);
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(found.json.data.map((x: { id: string }) => x.id), [customer.id]);
    assert.equal(found.json.next_cursor, null);
    assert.deepEqual((await stack.request('GET', '/v1/customers?external_ref=no-such-ref')).json, { data: [], next_cursor: null });

    // The read scope is enough; both lists are in the OpenAPI document.
    const doc = (await stack.request('GET', '/openapi.json', { key: null })).json;
    assert.ok(doc.paths['/v1/payments'].get, 'GET /v1/payments documented');
    assert.ok(doc.paths['/v1/customers'].get, 'GET /v1/customers documented');
    const params = doc.paths['/v1/payments'].get.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(params, ['created_from', 'created_to', 'cursor', 'customer_id', 'gateway', 'limit', 'mode', 'reference', 'status']);
  });
});
