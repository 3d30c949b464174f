import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createPool } from '../../src/db/pool.js';
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
  after(async () => {
    await pool.end();
    await admin.end();
  });

  it('survives the termination of an idle client and answers the next query', async () => {
    await admin.connect();
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
});
