/**
 * `npm run bench:callbacks`: what the callback endpoint costs next to the least any endpoint must do.
 * Starts its own Temporal dev server and Postgres; runs the real API (src/api/main.ts) in its own
 * process, and beside it, also in its own process, a bare Hono route doing one INSERT of the same
 * journal row into the same Postgres on a pool of the same size (bench/callbacks/bare-server.ts).
 * Then, for each connection count in BENCH_CALLBACK_CONNECTIONS, autocannon (in this process) sends
 * BENCH_CALLBACKS_PER_STEP requests to each in turn, closed loop: to the bare route, and to
 * POST /v1/callbacks/sandbox as validly signed success callbacks, one per pending payment (each
 * journaled, verified, looked up and accepted once before the answer; signalled to its payment
 * workflow by the API's dispatcher after it). Prints callbacks/s, p50/p99 latency and the ratio per
 * step — and, since the answer no longer includes the signal, what it does not show: the time from
 * the step's last answer until every accepted callback is 'delivered' in the journal, and
 * delivered/s end to end (first request to last delivery). Checks from the journal that every 2xx
 * was journaled and delivered exactly once.
 * No Temporal worker runs: the signals land in the workflows' histories (a running workflow takes a
 * signal without a worker), so the worker's CPU is not on these 2 cores while the endpoint is timed.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { buildAppDeps } from '../src/api/deps.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { freePort } from '../test/support/free-port.js';
import { countBareRows, createBareTable } from './callbacks/bare-table.js';
import { countDelivered, untilNoneAccepted, whenDelivered } from './callbacks/delivered.js';
import { fire, type LoadResult } from './callbacks/load.js';
import { pendingPayments, signedSuccesses } from './callbacks/pending-payments.js';
import { spawnApi, stopChild, waitForHttp } from './lib/api-process.js';
import { sampleProcess } from './lib/proc.js';
import { spawnWorker, startBenchServers } from './lib/servers.js';
import { printTable } from './lib/table.js';

const STEPS = (process.env.BENCH_CALLBACK_CONNECTIONS ?? '1,2,4,8,16,32,64').split(',').map(Number);
const PER_STEP = Number(process.env.BENCH_CALLBACKS_PER_STEP ?? 1000);
const WARMUP = Number(process.env.BENCH_CALLBACKS_WARMUP ?? 300);
const POOL_SIZE = '10'; // DATABASE_POOL_SIZE's default, for both servers
const GOAL_RATIO = 0.5;
const GOAL_P99_MS = 50;
const BARE_P99_MS = 10;
const say = (line: string) => console.log(`[bench] ${line}`);

interface Step {
  bare: LoadResult;
  tollgate: LoadResult;
  apiCpuMs: number;
  temporalCpuMs: number;
  bareCpuMs: number;
  /** From the step's last answer to the moment no callback was left 'accepted'. */
  drainMs: number;
  /** Callbacks answered 2xx per second, from the step's first request to its last delivery. */
  deliveredPerSecond: number;
}

async function main(): Promise<void> {
  say(`starting a Temporal dev server and Postgres; connections ${STEPS.join(', ')}, ${PER_STEP} requests per step`);
  const servers = await startBenchServers(say);
  const taskQueue = `bench-callbacks-${randomUUID()}`;
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: servers.temporalAddress, DATABASE_URL: servers.databaseUrl, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'silent' });
  const pool = createPool(servers.databaseUrl, 16);
  const deps = buildAppDeps(config, pool, pino({ level: 'silent' }));
  await createBareTable(pool);
  const [apiPort, barePort] = [await freePort(), await freePort()];
  const env = { DATABASE_URL: servers.databaseUrl, DATABASE_POOL_SIZE: POOL_SIZE };
  // The API as `tollgate start` runs it, log level included (its request log goes to /dev/null).
  const api = spawnApi({ ...env, TEMPORAL_ADDRESS: servers.temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, PORT: String(apiPort), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const bare = spawnWorker('bench/callbacks/bare-server.ts', { ...env, PORT: String(barePort) });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  try {
    await waitForHttp(`${apiUrl}/healthz`, api);
    await waitForHttp(bareUrl, bare);
    const total = WARMUP + PER_STEP * STEPS.length;
    const t0 = performance.now();
    const ids = await pendingPayments(deps, total);
    say(`${total} pending payments (rows + started workflows) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const secret = config.SANDBOX_WEBHOOK_SECRET;
    const batch = (from: number, n: number) => ids.slice(from, from + n);

    // Warm both up (JIT, pool connections, the gRPC channel) with callbacks that are not timed.
    await fire(bareUrl, '/bare/callbacks/sandbox', signedSuccesses(secret, batch(0, WARMUP)), 8);
    const warm = await fire(apiUrl, '/v1/callbacks/sandbox', signedSuccesses(secret, batch(0, WARMUP)), 8);
    if (warm.failed > 0) throw new Error(`${warm.failed} warm-up callbacks were not answered 2xx`);
    await untilNoneAccepted(pool, 120_000); // their signals follow the answers: not into the first step

    const steps: Step[] = [];
    for (const [i, connections] of STEPS.entries()) {
      const payments = batch(WARMUP + i * PER_STEP, PER_STEP);
      const bareCpu = sampleProcess(bare.pid ?? 0);
      const bareResult = await fire(bareUrl, '/bare/callbacks/sandbox', signedSuccesses(secret, payments), connections);
      const bareCpuMs = bareCpu.stop().cpu * 1000;
      const apiCpu = sampleProcess(api.pid ?? 0);
      const temporalCpu = sampleProcess(servers.temporalPid);
      const watch = whenDelivered(pool, (await countDelivered(pool)) + payments.length);
      const started = performance.now();
      const tollgate = await fire(apiUrl, '/v1/callbacks/sandbox', signedSuccesses(secret, payments), connections);
      const answered = started + tollgate.seconds * 1000;
      // The CPU of a callback includes its signal and mark, which now follow the answer.
      const drained = await untilNoneAccepted(pool, 120_000);
      watch.stop();
      const delivered = (await watch.at) ?? drained;
      const step = {
        bare: bareResult,
        tollgate,
        apiCpuMs: apiCpu.stop().cpu * 1000,
        temporalCpuMs: temporalCpu.stop().cpu * 1000,
        bareCpuMs,
        drainMs: Math.max(0, delivered - answered),
        deliveredPerSecond: tollgate.ok / ((delivered - started) / 1000),
      };
      steps.push(step);
      say(
        `${connections} connections: bare ${bareResult.perSecond.toFixed(0)}/s p99 ${bareResult.p99.toFixed(1)} ms; Tollgate ${tollgate.perSecond.toFixed(0)}/s p99 ${tollgate.p99.toFixed(1)} ms` +
          `${tollgate.failed ? `, ${tollgate.failed} not 2xx` : ''}; all delivered ${step.drainMs.toFixed(0)} ms after the last answer (${step.deliveredPerSecond.toFixed(0)}/s end to end)`,
      );
    }

    // From the ledger: every 2xx is a journal row delivered to its workflow, each payment once.
    const okTollgate = warm.ok + steps.reduce((n, s) => n + s.tollgate.ok, 0);
    // Every step waited for its deliveries; the warm-up's are long done.
    const outcomes = () =>
      pool.query<{ outcome: string; n: number; payments: number }>(
        `SELECT outcome, count(*)::int AS n, count(DISTINCT payment_id)::int AS payments FROM inbound_requests WHERE channel = 'callback' GROUP BY outcome ORDER BY outcome`,
      );
    let journal = await outcomes();
    for (let waited = 0; waited < 10_000 && journal.rows.some((r) => r.outcome === 'accepted'); waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      journal = await outcomes();
    }
    say(`journal: ${journal.rows.map((r) => `${r.outcome} ${r.n} (${r.payments} payments)`).join(', ')}; Tollgate answered ${okTollgate} with 2xx`);
    const delivered = journal.rows.find((r) => r.outcome === 'delivered');
    if (delivered?.n !== okTollgate || delivered.payments !== okTollgate) throw new Error('the journal does not hold exactly one delivered row per 2xx callback');
    const okBare = steps.reduce((n, s) => n + s.bare.ok, 0) + WARMUP;
    if ((await countBareRows(pool)) !== okBare) throw new Error('the bare table does not hold one row per 2xx');

    const perCallback = (ms: number, r: LoadResult) => ms / Math.max(1, r.ok);
    printTable(
      `POST /v1/callbacks/sandbox (signed, pending payments) beside a bare Hono route with one INSERT — ${PER_STEP} requests per step, closed loop, pool ${POOL_SIZE} each`,
      ['connections', 'bare/s', 'bare p50 ms', 'bare p99 ms', 'callbacks/s', 'p50 ms', 'p99 ms', 'ratio', 'not 2xx', 'delivered after ms', 'delivered/s', 'API CPU ms/cb', 'Temporal CPU ms/cb', 'bare CPU ms/req'],
      steps.map((s) => [
        String(s.bare.connections),
        s.bare.perSecond,
        s.bare.p50,
        s.bare.p99,
        s.tollgate.perSecond,
        s.tollgate.p50,
        s.tollgate.p99,
        s.tollgate.perSecond / s.bare.perSecond,
        s.tollgate.failed,
        s.drainMs,
        s.deliveredPerSecond,
        perCallback(s.apiCpuMs, s.tollgate),
        perCallback(s.temporalCpuMs, s.tollgate),
        perCallback(s.bareCpuMs, s.bare),
      ]),
    );
    const under = steps.filter((s) => s.bare.p99 < BARE_P99_MS);
    const at = under.at(-1);
    if (!at) {
      say(`the bare route's p99 was never under ${BARE_P99_MS} ms: no load to judge the goal at`);
    } else {
      const ratio = at.tollgate.perSecond / at.bare.perSecond;
      const met = ratio >= GOAL_RATIO && at.tollgate.p99 < GOAL_P99_MS;
      say(
        `at ${at.bare.connections} connections (the most with bare p99 < ${BARE_P99_MS} ms: ${at.bare.p99.toFixed(1)} ms): ` +
          `ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL_RATIO}), Tollgate p99 ${at.tollgate.p99.toFixed(1)} ms (goal < ${GOAL_P99_MS}) — goal ${met ? 'met' : 'missed'}; ` +
          `delivered end to end ${at.deliveredPerSecond.toFixed(0)}/s (${(at.deliveredPerSecond / at.bare.perSecond).toFixed(2)}× the bare route)`,
      );
    }
  } finally {
    await stopChild(api);
    await stopChild(bare);
    await deps.temporal.connection.close();
    await pool.end();
    await servers.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
