import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createPool, inTransaction } from '../../src/db/pool.js';
import { testEnv } from '../support/env.js';

/**
 * A Postgres restart cuts off every idle connection (FATAL 57P01). Found by the reliability suite
 * (test/reliability/callbacks-restarts.test.ts): the pool re-emitted that as an unhandled 'error'
 * event and every API and worker process died with the database. The pool must shrug it off and
 * serve the next query on a new connection.
 */
describe('the connection pool when Postgres cuts its idle connections', () => {
  const pool = createPool(testEnv.databaseUrl(), 2);
  const admin = new pg.Client({ connectionString: testEnv.databaseUrl() });
  before(() => admin.connect());
  after(async () => {
    await pool.end();
    await admin.end();
  });

  it('survives the termination of an idle client and answers the next query', async () => {
    const before = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = before.rows[0]!.pid;
    assert.equal(pool.idleCount, 1, 'the client is back in the pool, idle');
    const terminated = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    assert.equal(terminated.rows[0]!.ok, true);
    // The idle client hears its FATAL message and the pool drops it (the 'error' event fires now).
    for (let i = 0; i < 100 && pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(pool.totalCount, 0, 'the cut-off client left the pool');
    const next = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.notEqual(next.rows[0]!.pid, pid, 'a new connection served the next query');
  });

  // Found by test/reliability/terminals-postgres-restart.test.ts: the pool listens only on idle
  // clients, so a transaction's client cut off between two of its queries raised an 'error' event
  // nobody heard, and both API processes died with the database.
  it('survives the termination of a client a transaction holds between two queries, and fails only that transaction', async () => {
    let terminated = false;
    const attempt = inTransaction(pool, async (tx) => {
      const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // No query is running on tx now: its FATAL message arrives as an event, not as a query's error.
      assert.equal((await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid])).rows[0]!.ok, true);
      await new Promise((r) => setTimeout(r, 200));
      terminated = true;
      await tx.query('SELECT 1');
    });
    await assert.rejects(attempt, (err: Error) => terminated && /terminat|not queryable|Connection/i.test(err.message), 'the transaction fails, the process does not');
    assert.equal(pool.totalCount, 0, 'the dead client was not put back in the pool');
    const next = await pool.query<{ n: number }>('SELECT 1 AS n');
    assert.equal(next.rows[0]!.n, 1, 'a new connection serves the next query');
  });
});
