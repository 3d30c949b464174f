/**
 * The baseline for `npm run bench:terminals`, in its own process like the API: a bare Hono GET
 * route that does one INSERT of the journal row the terminal endpoint writes first (same columns,
 * into a copy of inbound_requests, bench/callbacks/bare-table.ts) on a pool of the same size, and
 * answers a fixed OSMP document after it commits. No address check, no lookup, no payment.
 * Env: DATABASE_URL, DATABASE_POOL_SIZE, PORT.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createPool } from '../../src/db/pool.js';
import { BARE_TABLE } from '../callbacks/bare-table.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = createPool(databaseUrl, Number(process.env.DATABASE_POOL_SIZE ?? 10));

const app = new Hono();
app.get('/bare/terminals/:gateway', async (c) => {
  const url = new URL(c.req.url);
  await pool.query({
    name: 'bare-journal-insert', // prepared, as the API's journal INSERT is (src/db/inbound-requests.ts)
    text: `INSERT INTO ${BARE_TABLE} (channel, source, method, path, headers, body, body_truncated, source_ip)
           VALUES ('terminal', $1, 'GET', $2, $3::jsonb, '', false, '127.0.0.1')`,
    values: [c.req.param('gateway'), `${url.pathname}${url.search}`, JSON.stringify(c.req.header())],
  });
  const txn = url.searchParams.get('txn_id') ?? '';
  return c.body(`<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <osmp_txn_id>${txn.replace(/\D/g, '')}</osmp_txn_id>\n  <result>0</result>\n  <comment>OK</comment>\n</response>\n`, 200, {
    'content-type': 'text/xml; charset=utf-8',
  });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' });
process.on('SIGTERM', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
