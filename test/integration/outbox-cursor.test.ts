import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { eventsAfterCursor, lockOutboxCursor, moveOutboxCursor, outboxCursorToPresent } from '../../src/db/outbox.js';
import { createPool, inTransaction } from '../../src/db/pool.js';
import { notificationsSink } from '../../src/notifications/sink.js';
import type { NotificationRule } from '../../src/notifications/rules.js';
import { loadConfig } from '../../src/config.js';
import { testEnv } from '../support/env.js';
import { rawEvent } from '../support/raw-event.js';

/** The outbox's cursor against Postgres's own visibility: what a fan-out reads, it never skips. */
describe('outbox cursor (Postgres)', () => {
  let pool: pg.Pool;
  const sink = `test-${randomUUID()}`;
  before(async () => {
    pool = createPool(testEnv.databaseUrl(), 4);
    await pool.query('INSERT INTO outbox_cursors (sink) VALUES ($1)', [sink]);
    await outboxCursorToPresent(pool, sink);
  });
  after(async () => {
    await pool.query('DELETE FROM outbox_cursors WHERE sink = $1', [sink]);
    await pool.end();
  });

  /** One fan-out step as the loop takes it: the events after the cursor, and the cursor moved past them. */
  const step = () => inTransaction(pool, async (tx) => {
    const cursor = await lockOutboxCursor(tx, sink);
    assert.ok(cursor);
    const events = await eventsAfterCursor(tx, cursor, 100);
    const last = events.at(-1);
    if (last) await moveOutboxCursor(tx, sink, { txId: last.tx_id, eventId: last.id });
    return events.map((e) => e.id);
  });

  it('an older transaction’s event committed first never moves the cursor past a younger one’s smaller id', async () => {
    const older = await pool.connect();
    const younger = await pool.connect();
    try {
      const type = `test.cursor.${randomUUID()}`;
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // its xid is taken first (it wrote a row before its event)
      await younger.query('BEGIN');
      const smaller = await rawEvent(younger, { type, aggregateType: 'test', aggregateId: 'y', payload: {} });
      const larger = await rawEvent(older, { type, aggregateType: 'test', aggregateId: 'o', payload: {} });
      assert.ok(smaller < larger);
      await older.query('COMMIT');
      // The younger transaction is still open: its event is not read yet, and the older one's is.
      assert.deepEqual(await step(), [larger]);
      await younger.query('COMMIT');
      assert.deepEqual(await step(), [smaller], 'read after it commits, not skipped');
      assert.deepEqual(await step(), []);
    } finally {
      await older.query('ROLLBACK').catch(() => undefined);
      await younger.query('ROLLBACK').catch(() => undefined);
      older.release();
      younger.release();
    }
  });

  it('a rule that fails on one event skips that e-mail and nothing else', async () => {
    const config = loadConfig({ TOLLGATE_ENV: 'development', SMTP_URL: 'smtp://127.0.0.1:2525', ADMIN_EMAILS: 'ops@example.com' });
    const marker = randomUUID();
    const broken: NotificationRule = async (event, ctx) => {
      if (event.payload.broken) {
        await ctx.tx.query('SELECT no_such_column FROM events LIMIT 1'); // a failed query aborts the transaction without a savepoint
      }
      return [{ audience: 'admin', type: 'daily_summary', dedupeKey: `test:${marker}:${event.id}`, recipients: ['ops@example.com'], locale: 'en', data: {} }];
    };
    const logged: unknown[] = [];
    const log = { error: (fields: unknown) => logged.push(fields) } as never;
    const type = `test.rule.${marker}`;
    const ids = await inTransaction(pool, async (tx) => [
      await rawEvent(tx, { type, aggregateType: 'test', aggregateId: 'a', payload: { broken: true } }),
      await rawEvent(tx, { type, aggregateType: 'test', aggregateId: 'b', payload: {} }),
    ]);
    const rows = (await pool.query('SELECT id, type, aggregate_type, aggregate_id, aggregate_version, payload, created_at FROM events WHERE id = ANY($1::bigint[]) ORDER BY id', [ids.map(String)])).rows;
    await inTransaction(pool, (tx) => notificationsSink(config, () => [broken]).fanOut(tx, rows, log));
    const queued = (await pool.query('SELECT dedupe_key FROM notifications WHERE dedupe_key LIKE $1', [`test:${marker}:%`])).rows;
    assert.deepEqual(queued.map((r) => r.dedupe_key), [`test:${marker}:${ids[1]}`], 'the healthy event’s e-mail is queued in the same transaction');
    assert.equal(logged.length, 1, 'the failure is logged');
  });
});
