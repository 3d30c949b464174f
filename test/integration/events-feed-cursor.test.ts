import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { encodeFeedCursor } from '../../src/api/events/feed-cursor.js';
import { appendEvent } from '../../src/db/events.js';
import { rawEvent } from '../support/raw-event.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

interface Ev { id: number; type: string; aggregate_id: string; aggregate_version: number }
interface FeedPage { data: Ev[]; next_cursor: string | null }

/**
 * The feed's cursor (issue 12) over HTTP, against Postgres's own visibility with real concurrent
 * transactions: a reader that passes next_cursor back never skips an event and never gets one twice.
 * The database is shared with other files, so each test finds its events by a type or an aggregate
 * of its own among whatever else the feed carries.
 */
describe('event feed cursor: (transaction, id) order below the snapshot (dev server, Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  const page = async (query: string): Promise<FeedPage> => {
    const res = await stack.request('GET', `/v1/events?${query}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json), ['data', 'next_cursor']);
    return res.json as FeedPage;
  };

  /** A reader of the feed: follows next_cursor as a billing system would, keeping every event it got. */
  const reader = (filter = '', limit = 1000) => {
    let cursor = '0';
    const got: Ev[] = [];
    /** Reads until an empty or short page (caught up for now); returns what this call read. */
    const poll = async (): Promise<Ev[]> => {
      const before = got.length;
      for (let pages = 0; pages < 1000; pages += 1) {
        const p = await page(`after=${encodeURIComponent(cursor)}&limit=${limit}${filter}`);
        got.push(...p.data);
        if (p.data.length === 0) {
          assert.equal(p.next_cursor, null, 'an empty page has no cursor');
        } else {
          assert.equal(typeof p.next_cursor, 'string', 'a page that read something says where it ended');
          cursor = p.next_cursor as string;
        }
        if (p.data.length < limit) return got.slice(before);
      }
      throw new Error('more than 1000 pages');
    };
    return { poll, got, cursor: () => cursor };
  };

  /** The order the feed promises, from Postgres: (tx_id, id) of these events. */
  const feedOrder = async (ids: readonly number[]): Promise<number[]> =>
    (await stack.pool.query<{ id: string }>('SELECT id::text FROM events WHERE id = ANY($1::bigint[]) ORDER BY tx_id, id', [ids.map(String)])).rows.map((r) => Number(r.id));

  it('an older transaction’s larger id read first never moves the cursor past a younger one’s smaller id: it arrives on the next poll', async () => {
    const type = `test.feed.${randomUUID()}`;
    const feed = reader();
    await feed.poll(); // to the present: the feed's past is other files'
    const older = await stack.pool.connect();
    const younger = await stack.pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // it takes its xid first (it wrote something else before its event)
      await younger.query('BEGIN');
      const smaller = Number(await rawEvent(younger, { type, aggregateType: 'test', aggregateId: 'younger', payload: {} }));
      const larger = Number(await rawEvent(older, { type, aggregateType: 'test', aggregateId: 'older', payload: {} }));
      assert.ok(smaller < larger, `${smaller} < ${larger}`);
      await older.query('COMMIT');
      // The younger transaction is still open: the feed reaches the older one's event, and only it.
      await waitFor('the older transaction’s event in the feed', async () => ((await feed.poll()).some((e) => e.id === larger) ? true : undefined), 10_000);
      assert.deepEqual(feed.got.filter((e) => e.type === type).map((e) => e.id), [larger]);
      await younger.query('COMMIT');
      // The cursor is past `larger`, yet `smaller` (a smaller id) comes on the next poll.
      await waitFor('the younger transaction’s event on the next poll', async () => ((await feed.poll()).some((e) => e.id === smaller) ? true : undefined), 10_000);
      assert.deepEqual(feed.got.filter((e) => e.type === type).map((e) => e.id), [larger, smaller], 'each once, in the order their transactions wrote them');
    } finally {
      await older.query('ROLLBACK').catch(() => undefined);
      await younger.query('ROLLBACK').catch(() => undefined);
      older.release();
      younger.release();
    }
  });

  it('pages of 2 return every event exactly once, in (transaction id, id) order, which is not id order', async () => {
    const type = `test.feed.${randomUUID()}`;
    const start = reader();
    await start.poll(); // to the present
    // Seven events in four transactions, two of them interleaved as above so id order differs.
    const older = await stack.pool.connect();
    const ids: number[] = [];
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      for (let i = 0; i < 3; i += 1) ids.push(Number(await rawEvent(stack.pool, { type, aggregateType: 'test', aggregateId: `a${i}`, payload: { i } })));
      ids.push(Number(await rawEvent(older, { type, aggregateType: 'test', aggregateId: 'o1', payload: {} })));
      ids.push(Number(await rawEvent(older, { type, aggregateType: 'test', aggregateId: 'o2', payload: {} })));
      await older.query('COMMIT');
    } finally {
      await older.query('ROLLBACK').catch(() => undefined);
      older.release();
    }
    const c = await stack.pool.connect();
    try {
      await c.query('BEGIN');
      for (let i = 0; i < 2; i += 1) ids.push(Number(await rawEvent(c, { type, aggregateType: 'test', aggregateId: `c${i}`, payload: {} })));
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const expected = await feedOrder(ids);
    assert.notDeepEqual(expected, [...ids].sort((a, b) => a - b), 'the transactions interleave: feed order is not id order');

    // From the present the start reader stood at, in pages of 2.
    const paged: Ev[] = [];
    let cursor = start.cursor();
    await waitFor(`all ${ids.length} events, pages of 2`, async () => {
      for (;;) {
        const p = await page(`after=${encodeURIComponent(cursor)}&limit=2`);
        assert.ok(p.data.length <= 2);
        paged.push(...p.data);
        if (p.next_cursor) cursor = p.next_cursor;
        if (p.data.length < 2) break;
      }
      return paged.filter((e) => e.type === type).length >= ids.length ? true : undefined;
    });
    const mine = paged.filter((e) => e.type === type).map((e) => e.id);
    assert.deepEqual(mine, expected, 'each exactly once, in (tx_id, id) order');
    const all = paged.map((e) => e.id);
    assert.equal(new Set(all).size, all.length, 'no event twice, of any file');
    assert.deepEqual(all, await feedOrder(all), 'every event read, in (tx_id, id) order');
  });

  it('refuses a cursor it did not make and a bare event id, 400 problem+json naming after; 0 and no after read from the beginning', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const bad of ['bm9wZQ', 'not a cursor', b64('5'), b64('01:2'), b64('1:0'), b64('1:2:3'), b64(' 1:2'), `${b64('1:2')}=`, b64('18446744073709551616:1'), b64('1:9223372036854775808')]) {
      const res = await stack.request('GET', `/v1/events?after=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(res.json.errors[0].path, 'after', bad);
      assert.match(res.json.errors[0].message, /pass next_cursor back unchanged/);
    }
    for (const id of ['5', '42', '007']) {
      const res = await stack.request('GET', `/v1/events?after=${id}`);
      assert.equal(res.status, 400, res.text);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(res.json.errors[0].path, 'after');
      assert.match(res.json.errors[0].message, /an event id is not a place in the feed.*pass next_cursor back unchanged/);
    }
    const fromZero = await page('after=0&limit=3');
    const fromNothing = await page('limit=3');
    assert.deepEqual(fromNothing, fromZero, 'no after is after=0');
    // A cursor it made, with an xid beyond 2^53, is read exactly (the feed is past it: nothing after).
    assert.deepEqual(await page(`after=${encodeFeedCursor({ txId: '18446744073709551615', id: 9223372036854775807n })}`), { data: [], next_cursor: null });
  });

  it('answers a bare event id (the old cursor) with a cursor to go on from without skipping: every later event, an event written by an older transaction among them', async () => {
    const type = `test.resume.${randomUUID()}`;
    const older = await stack.pool.connect();
    try {
      // An older transaction takes its xid first and writes its event last: the id order's blind spot.
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      const seen = await rawEvent(stack.pool, { type, aggregateType: 'test', aggregateId: `r_${randomUUID()}`, payload: {} });
      const late = await rawEvent(older, { type, aggregateType: 'test', aggregateId: `r_${randomUUID()}`, payload: {} });
      await older.query('COMMIT');
      const after = await rawEvent(stack.pool, { type, aggregateType: 'test', aggregateId: `r_${randomUUID()}`, payload: {} });
      // A reader of the old feed had read up to `seen`, by id.
      const res = await stack.request('GET', `/v1/events?after=${seen}`);
      assert.equal(res.status, 400, res.text);
      const resume = /pass after=([A-Za-z0-9_-]+) once/.exec(res.json.errors[0].message)?.[1];
      assert.ok(resume, res.json.errors[0].message);
      const ids: string[] = [];
      let cursor = resume;
      for (let i = 0; i < 50; i += 1) {
        const p = await stack.request('GET', `/v1/events?after=${cursor}&limit=1000`);
        assert.equal(p.status, 200, p.text);
        ids.push(...p.json.data.filter((e: { type: string }) => e.type === type).map((e: { id: number }) => String(e.id)));
        if (p.json.next_cursor === null) break;
        cursor = p.json.next_cursor;
      }
      assert.ok(ids.includes(String(late)) && ids.includes(String(after)), `resumed at ${resume}: ${ids.join(', ')}`);
      assert.equal(new Set(ids).size, ids.length, 'none twice');
    } finally {
      older.release();
    }
  });

  it('aggregate_id and type page with the same cursor: each event once, a later version may come first', async () => {
    const id = `we_${randomUUID()}`;
    const payload = { endpoint_id: id, url: 'https://billing.example.com/hooks', event_types: ['*'], enabled: true };
    const older = await stack.pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      await appendEvent(stack.pool, { type: 'webhook_endpoint.created', aggregateType: 'webhook_endpoint', aggregateId: id, payload }); // version 1, younger transaction
      await appendEvent(older, { type: 'webhook_endpoint.updated', aggregateType: 'webhook_endpoint', aggregateId: id, payload }); // version 2, older transaction
      await older.query('COMMIT');
    } finally {
      await older.query('ROLLBACK').catch(() => undefined);
      older.release();
    }
    await appendEvent(stack.pool, { type: 'webhook_endpoint.updated', aggregateType: 'webhook_endpoint', aggregateId: id, payload }); // version 3
    await appendEvent(stack.pool, { type: 'webhook_endpoint.deleted', aggregateType: 'webhook_endpoint', aggregateId: id, payload: { ...payload, enabled: false } }); // version 4

    const byAggregate = reader(`&aggregate_id=${id}`, 1);
    await waitFor('the aggregate’s 4 events', async () => {
      await byAggregate.poll();
      return byAggregate.got.length >= 4 ? true : undefined;
    });
    assert.deepEqual(byAggregate.got.map((e) => e.aggregate_version), [2, 1, 3, 4], 'the feed’s order: the older transaction’s version 2 first; a receiver orders by aggregate_version');
    assert.deepEqual(await page(`after=${encodeURIComponent(byAggregate.cursor())}&aggregate_id=${id}`), { data: [], next_cursor: null });

    const byType = reader(`&aggregate_id=${id}&type=webhook_endpoint.updated&type=webhook_endpoint.deleted`, 1);
    await byType.poll();
    assert.deepEqual(byType.got.map((e) => [e.type, e.aggregate_version]), [['webhook_endpoint.updated', 2], ['webhook_endpoint.updated', 3], ['webhook_endpoint.deleted', 4]]);

    // A type alone, across the shared database: this aggregate's two updates once each, in order.
    const typeOnly = reader('&type=webhook_endpoint.updated', 50);
    await typeOnly.poll();
    assert.ok(typeOnly.got.every((e) => e.type === 'webhook_endpoint.updated'));
    assert.deepEqual(typeOnly.got.filter((e) => e.aggregate_id === id).map((e) => e.aggregate_version), [2, 3]);
    const all = typeOnly.got.map((e) => e.id);
    assert.equal(new Set(all).size, all.length);
    assert.deepEqual(all, await feedOrder(all));
    // And the cursor a filtered read ended on works with the filter changed: it is a place in the one order.
    await appendEvent(stack.pool, { type: 'webhook_endpoint.updated', aggregateType: 'webhook_endpoint', aggregateId: id, payload }); // version 5
    const next = await waitFor('version 5 after the type reader’s cursor', async () => {
      const p = await page(`after=${encodeURIComponent(byType.cursor())}&aggregate_id=${id}`);
      return p.data.length > 0 ? p : undefined;
    });
    assert.deepEqual(next.data.map((e) => e.aggregate_version), [5]);
  });
});
