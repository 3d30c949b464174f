/**
 * `npm run bench:webhooks [N]`: N events (default 10,000) delivered to three endpoints — fast
 * (answers at once), slow (answers after 500 ms), down (a closed port) — by the real worker
 * (src/worker/main.ts, its own process, with the outbox and the webhook Worker), on a throwaway
 * Temporal dev server and Postgres. Prints deliveries/s to the fast endpoint and its lag (event
 * committed → received, p50/p99), beside a bare loop in this process that POSTs the same bodies
 * to a receiver of its own with as many in flight as the worker allows one endpoint
 * (WEBHOOK_ENDPOINT_CONCURRENCY), same run. Then, once the down endpoint's deliveries are only
 * waiting for their next retry (none due in the window), the worker's CPU and the attempts made over a quiet window: what
 * a dead endpoint costs between retries.
 */
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { createPool, inTransaction } from '../src/db/pool.js';
import { rawEvent } from '../test/support/raw-event.js';
import { insertWebhookEndpoint } from '../src/db/webhook-endpoints.js';
import { eventJson } from '../src/events/event-json.js';
import { cpuSeconds } from './lib/proc.js';
import { spawnWorker, startBenchServers } from './lib/servers.js';
import { percentile, printTable } from './lib/table.js';

const N = Number(process.argv[2] ?? process.env.BENCH_WEBHOOK_EVENTS ?? 10_000);
const SLOW_MS = 500;
const QUIET_WINDOW_MS = 10_000;
const say = (line: string) => console.log(`[bench] ${line}`);

/** A receiver that notes when each webhook-id arrived. */
async function receiver(delayMs: number): Promise<{ url: string; got: Map<string, number>; close(): Promise<void> }> {
  const got = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got.set(String(req.headers['webhook-id'] ?? req.headers['x-bare-id']), Date.now());
      setTimeout(() => res.end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/down`;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One POST as the worker makes it: a connection of its own, the whole answer read. */
function post(url: string, id: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-bare-id': id, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const servers = await startBenchServers(say);
  const config = loadConfig();
  const pool = createPool(servers.databaseUrl, 4);
  const fast = await receiver(0);
  const slow = await receiver(SLOW_MS);
  const bare = await receiver(0);
  const worker = spawnWorker('src/worker/main.ts', {
    DATABASE_URL: servers.databaseUrl,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    OUTBOX_INTERVAL_MS: '1000',
  });
  try {
    const type = 'bench.event';
    const endpoint = (url: string) => insertWebhookEndpoint(pool, { url, description: 'bench', eventTypes: [type], enabled: true });
    const fastE = await endpoint(fast.url);
    const slowE = await endpoint(slow.url);
    const downE = await endpoint(await closedPort());
    // Warm-up: one event through, so the worker has bundled and polls before the clock starts.
    say('waiting for the worker (it bundles the workflows first)…');
    const probe = await rawEvent(pool, { type, aggregateType: 'bench', aggregateId: 'probe', payload: {} });
    await until('the worker to deliver the probe', async () => fast.got.has(String(probe)), 180_000);
    fast.got.clear();

    say(`committing ${N} events (500 per transaction)…`);
    const committedAt = new Map<string, number>();
    const bodies: Array<[string, string]> = [];
    for (let i = 0; i < N; i += 500) {
      const ids = await inTransaction(pool, async (tx) => {
        const out: bigint[] = [];
        for (let j = i; j < Math.min(N, i + 500); j += 1) out.push(await rawEvent(tx, { type, aggregateType: 'bench', aggregateId: `b_${j}`, payload: { n: j, note: 'x'.repeat(200) } }));
        return out;
      });
      const at = Date.now();
      for (const id of ids) committedAt.set(String(id), at);
    }
    const rows = await pool.query('SELECT id, type, aggregate_type, aggregate_id, payload, created_at FROM events WHERE type = $1 AND id > $2::bigint ORDER BY id', [type, probe.toString()]);
    for (const r of rows.rows) bodies.push([String(r.id), JSON.stringify(eventJson(r))]);
    const firstCommit = Math.min(...committedAt.values());
    await until('the fast endpoint to get every event', async () => fast.got.size >= N, 30 * 60_000);
    const fastLags = [...fast.got].map(([id, at]) => at - (committedAt.get(id) ?? at)).sort((a, b) => a - b);
    const fastSeconds = (Math.max(...fast.got.values()) - firstCommit) / 1000;

    const starts = (await pool.query(`SELECT extract(epoch FROM max(workflow_started_at) - min(created_at))::float8 AS started_s, extract(epoch FROM max(created_at) - min(created_at))::float8 AS fanned_s FROM webhook_deliveries`)).rows[0];
    say(`fan-out took ${Number(starts.fanned_s).toFixed(2)} s, every workflow started ${Number(starts.started_s).toFixed(2)} s after the first delivery row`);
    const phases = (await pool.query(`SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM d.workflow_started_at - d.created_at)) AS started,
                                             percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM a.started_at - d.workflow_started_at)) AS attempted
                                        FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id AND a.attempt = 1 WHERE d.endpoint_id = $1`, [fastE.id])).rows[0];
    // The start is marked after it returns; an eager start's first attempt can begin before that (a negative second phase).
    say(`fast endpoint, p50/p99 s: row → start marked ${phases.started.map((x: number) => x.toFixed(2)).join('/')}, start marked → first attempt ${phases.attempted.map((x: number) => x.toFixed(2)).join('/')}`);
    say('the bare loop…');
    const bareStart = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: config.WEBHOOK_ENDPOINT_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const [id, body] = bodies[next++] ?? ['', ''];
        await post(bare.url, id, body);
      }
    }));
    const bareLags = [...bare.got.values()].map((at) => at - bareStart).sort((a, b) => a - b);
    const bareSeconds = (Math.max(...bare.got.values()) - bareStart) / 1000;

    printTable(`Webhooks: ${N} events, fast endpoint (slow ${SLOW_MS} ms and down endpoints beside it), vs a bare loop, ${config.WEBHOOK_ENDPOINT_CONCURRENCY} in flight per endpoint`, ['', 'deliveries/s', 'p50 lag ms', 'p99 lag ms', 'seconds'], [
      ['Tollgate (committed → received)', N / fastSeconds, percentile(fastLags, 50), percentile(fastLags, 99), fastSeconds],
      ['bare loop (start → received)', N / bareSeconds, percentile(bareLags, 50), percentile(bareLags, 99), bareSeconds],
    ]);

    say('waiting for the slow endpoint, then for a window in which no down delivery is due…');
    await until('the slow endpoint', async () => slow.got.size >= N, 60 * 60_000);
    // Its last rows are written after its last answers: wait for them, so the window below sees only the down endpoint.
    await until('the slow rows', async () => (await pool.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`, [slowE.id])).rows[0].n === 0, 60_000);
    // A quiet window: every down delivery has made its first two attempts and none is due until the
    // window is over. With many events the third attempts (5 min ± 10 % after the second) of the
    // first deliveries overlap the second ones of the last, so this can mean waiting for the thirds.
    const notQuiet = async () => (await pool.query(
      `SELECT count(*)::int AS n FROM webhook_deliveries
        WHERE endpoint_id = $1 AND (attempts < 2 OR (status = 'pending' AND next_attempt_at < now() + make_interval(secs => $2::float8 / 1000)))`,
      [downE.id, QUIET_WINDOW_MS + 5_000],
    )).rows[0].n as number;
    await until('a window in which no down delivery is due', async () => (await notQuiet()) === 0, 60 * 60_000);
    const pid = worker.pid ?? 0;
    const cpu0 = cpuSeconds(pid);
    const attempts0 = await pool.query('SELECT count(*)::int AS n FROM webhook_attempts');
    await new Promise((r) => setTimeout(r, QUIET_WINDOW_MS));
    const cpu1 = cpuSeconds(pid);
    const attempts1 = await pool.query('SELECT count(*)::int AS n FROM webhook_attempts');
    const waiting = (await pool.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`, [downE.id])).rows[0].n;
    printTable(`While only the down endpoint's ${waiting} deliveries wait for their next attempt (none due in the window), over ${QUIET_WINDOW_MS / 1000} s`, ['worker CPU s', 'CPU %', 'attempts made'], [
      [cpu1 - cpu0, ((cpu1 - cpu0) / (QUIET_WINDOW_MS / 1000)) * 100, attempts1.rows[0].n - attempts0.rows[0].n],
    ]);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await Promise.all([fast.close(), slow.close(), bare.close()]);
    await pool.end();
    await servers.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
