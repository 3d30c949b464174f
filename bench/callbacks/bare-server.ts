/**
 * The baseline for `npm run bench:callbacks`, run as its own process like the API: a bare Hono
 * route on @hono/node-server that reads the body and does one INSERT of the journal row the real
 * endpoint writes first (same columns, into a copy of inbound_requests with its indexes and
 * checks), on a pool of the same size, and answers 200 after it commits. Nothing else: no
 * signature, no lookup, no idempotency, no Temporal, no request log.
 * The bench creates the table (bare-table.ts) before it starts this.
 * Env: DATABASE_URL, DATABASE_POOL_SIZE (10, the API's default), PORT. Prints "listening <port>".
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createPool } from '../../src/db/pool.js';
import { BARE_TABLE } from './bare-table.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = createPool(databaseUrl, Number(process.env.DATABASE_POOL_SIZE ?? 10));

const app = new Hono();
app.post('/bare/callbacks/:gateway', async (c) => {
  const body = await c.req.text();
  const res = await pool.query<{ id: bigint }>({
    text: `INSERT INTO ${BARE_TABLE} (channel, source, method, path, headers, body, body_truncated, source_ip)
           VALUES ('callback', $1, 'POST', $2, $3::jsonb, $4, false, '127.0.0.1') RETURNING id`,
    values: [c.req.param('gateway'), c.req.path, JSON.stringify(c.req.header()), body],
  });
  return c.json({ received: true, journal_id: Number(res.rows[0]?.id) }, 200);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
