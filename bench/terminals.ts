/**
 * `npm run bench:terminals`: OSMP check and pay at a terminal network's burst rate, beside a bare
 * Hono route doing the same journal INSERT on the same Postgres, in the same run. Starts its own
 * Temporal dev server and Postgres; the API (src/api/main.ts) and the bare route
 * (bench/terminals/bare-server.ts) each in their own process, pools of the same size. For each of
 * bare, check and pay, autocannon sends BENCH_TERMINAL_REQUESTS requests open loop at
 * BENCH_TERMINAL_RATE requests/s (default 200) and the table shows p50/p99 and the rate achieved.
 * Each pay has its own txn_id for one of BENCH_TERMINAL_CUSTOMERS customers, found by uid; the
 * ledger is checked afterwards: one terminal transaction and one payment per pay answered.
 * No worker runs (the payments' workflows wait for one; their success signals land in their
 * histories), so the worker's CPU is not on these 2 cores while the endpoint is timed.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { insertCustomer } from '../src/db/customers.js';
import { newId } from '../src/db/ids.js';
import { createPool } from '../src/db/pool.js';
import { freePort } from '../test/support/free-port.js';
import { writeGatewaysFile } from '../test/support/gateways-file.js';
import { createBareTable } from './callbacks/bare-table.js';
import { spawnApi, stopChild, waitForHttp } from './lib/api-process.js';
import { spawnWorker, startBenchServers } from './lib/servers.js';
import { cpuSeconds, sampleTree } from './lib/proc.js';
import { printTable } from './lib/table.js';
import { fireAtRate, type RateResult } from './terminals/load.js';
import { firePoisson } from './terminals/poisson.js';

const RATE = Number(process.env.BENCH_TERMINAL_RATE ?? 200);
const REQUESTS = Number(process.env.BENCH_TERMINAL_REQUESTS ?? 2000);
const CUSTOMERS = Number(process.env.BENCH_TERMINAL_CUSTOMERS ?? 200);
const CONNECTIONS = Number(process.env.BENCH_TERMINAL_CONNECTIONS ?? 32);
const POOL_SIZE = process.env.BENCH_TERMINAL_POOL ?? '10';
const GOAL_P99_MS = 100;
const say = (line: string) => console.log(`[bench] ${line}`);

async function main(): Promise<void> {
  say(`starting a Temporal dev server and Postgres; ${REQUESTS} requests each of bare, check and pay at ${RATE}/s`);
  const servers = await startBenchServers(say);
  const pool = createPool(servers.databaseUrl, 4);
  await createBareTable(pool);
  const gatewaysFile = writeGatewaysFile([
    { name: 'sandbox', adapter: 'sandbox', mode: 'test', secrets: { test: { env: 'SANDBOX_WEBHOOK_SECRET' } } },
    { name: 'qiwi', adapter: 'osmp', allowlist: ['127.0.0.1/32'], timezone: 'Europe/Moscow', currency: 'RUB', min_amount: 100, max_amount: 1_500_000 },
  ]);
  loadConfig({ ...process.env, TOLLGATE_GATEWAYS_FILE: gatewaysFile }); // the file must load before the API is started on it
  const refs = Array.from({ length: CUSTOMERS }, () => `bench-${randomUUID()}`);
  for (const ref of refs) await insertCustomer(pool, { id: newId('cus'), externalRef: ref, name: 'Bench Customer', email: null });

  const [apiPort, barePort] = [await freePort(), await freePort()];
  const env = { DATABASE_URL: servers.databaseUrl, DATABASE_POOL_SIZE: POOL_SIZE };
  const api = spawnApi({
    ...env,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: `bench-terminals-${randomUUID()}`,
    TOLLGATE_GATEWAYS_FILE: gatewaysFile,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const bare = spawnWorker('bench/terminals/bare-server.ts', { ...env, PORT: String(barePort) });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  let txn = BigInt(Date.now()) * 1000n;
  const params = (command: 'check' | 'pay', i: number) => {
    txn += 1n;
    const p: Record<string, string> = { command, txn_id: txn.toString(), account: refs[i % refs.length] as string, sum: '10.45' };
    if (command === 'pay') p.txn_date = '20261202101500';
    return new URLSearchParams(p).toString();
  };
  const paths = (prefix: string, command: 'check' | 'pay', n: number) => Array.from({ length: n }, (_, i) => `${prefix}?${params(command, i)}`);
  try {
    await waitForHttp(`${apiUrl}/healthz`, api);
    await waitForHttp(`${bareUrl}/bare/terminals/qiwi?txn_id=0`, bare);
    // Warm-up, not timed: JIT, pools, the gRPC channel.
    await fireAtRate(bareUrl, paths('/bare/terminals/qiwi', 'check', 200), RATE, CONNECTIONS);
    await fireAtRate(apiUrl, paths('/v1/terminals/qiwi', 'check', 200), RATE, CONNECTIONS);
    await fireAtRate(apiUrl, paths('/v1/terminals/qiwi', 'pay', 100), RATE, CONNECTIONS);
    const paidBefore = await count(pool, 'SELECT count(*)::int AS n FROM terminal_transactions');

    const rows: Array<[string, Timed]> = [];
    // Each phase also says what one request cost in CPU: the server process answering it and
    // Postgres (postmaster and backends). Unlike latency, that hardly moves when something else
    // shares the cores, so two runs compare even when the machine is not quiet.
    const timed = async (server: number, fire: () => Promise<RateResult>): Promise<Timed> => {
      const serverBefore = cpuSeconds(server);
      const postgres = sampleTree(servers.postgresPid);
      const r = await fire();
      const perRequest = (seconds: number) => (seconds * 1000) / Math.max(1, r.sent);
      return { ...r, serverMs: perRequest(cpuSeconds(server) - serverBefore), postgresMs: perRequest(postgres.stop()) };
    };
    const apiPid = api.pid ?? 0;
    const barePid = bare.pid ?? 0;
    rows.push(['bare GET + journal INSERT', await timed(barePid, () => fireAtRate(bareUrl, paths('/bare/terminals/qiwi', 'check', REQUESTS), RATE, CONNECTIONS))]);
    rows.push(['OSMP check', await timed(apiPid, () => fireAtRate(apiUrl, paths('/v1/terminals/qiwi', 'check', REQUESTS), RATE, CONNECTIONS))]);
    rows.push(['bare GET + journal INSERT (again)', await timed(barePid, () => fireAtRate(bareUrl, paths('/bare/terminals/qiwi', 'check', REQUESTS), RATE, CONNECTIONS))]);
    rows.push(['OSMP pay', await timed(apiPid, () => fireAtRate(apiUrl, paths('/v1/terminals/qiwi', 'pay', REQUESTS), RATE, CONNECTIONS))]);
    const paidBurst = rows[3]?.[1].ok ?? 0;
    await settled(pool);
    rows.push(['Poisson: bare GET + journal INSERT', await timed(barePid, () => firePoisson(bareUrl, paths('/bare/terminals/qiwi', 'check', REQUESTS), RATE, CONNECTIONS))]);
    rows.push(['Poisson: OSMP check', await timed(apiPid, () => firePoisson(apiUrl, paths('/v1/terminals/qiwi', 'check', REQUESTS), RATE, CONNECTIONS))]);
    rows.push(['Poisson: OSMP pay', await timed(apiPid, () => firePoisson(apiUrl, paths('/v1/terminals/qiwi', 'pay', REQUESTS), RATE, CONNECTIONS))]);
    const paidAnswered = paidBurst + (rows[6]?.[1].ok ?? 0);

    const paid = (await count(pool, 'SELECT count(*)::int AS n FROM terminal_transactions')) - paidBefore;
    const checks = await count(pool, `SELECT count(*)::int AS n FROM inbound_requests WHERE channel = 'terminal' AND outcome = 'delivered' AND outcome_detail LIKE 'check: result 0%'`);
    say(`ledger: ${paid} terminal transactions from the timed pays (answered 200: ${paidAnswered}); ${checks} checks answered result 0 in all (timed + warm-up)`);
    if (paid !== paidAnswered) say('MISMATCH: the pays answered 200 are not one terminal transaction each (result 1 answers retry; see the API log)');

    printTable(
      `OSMP check/pay beside a bare Hono route with the same journal INSERT — ${REQUESTS} requests each at ${RATE}/s over ${CONNECTIONS} connections, pool ${POOL_SIZE} each; first autocannon (each second's ${RATE} sent at once), then Poisson arrivals`,
      ['what', 'sent', '200', 'not 200', 'answers/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'Postgres CPU ms/req'],
      rows.map(([what, r]) => [what, r.sent, r.ok, r.failed, r.perSecond, r.p50, r.p99, r.serverMs, r.postgresMs]),
    );
    for (const [what, r] of rows.filter(([w]) => w.includes('OSMP'))) {
      say(`${what}: p99 ${r.p99.toFixed(1)} ms at ${r.perSecond.toFixed(0)}/s — goal p99 < ${GOAL_P99_MS} ms at ${RATE}/s ${r.p99 < GOAL_P99_MS && r.perSecond >= RATE * 0.95 ? 'met' : 'missed'}`);
    }
  } finally {
    await stopChild(api);
    await stopChild(bare);
    await pool.end();
    await servers.stop();
  }
}

/**
 * Waits until every pay's success has reached its workflow (no terminal journal row left
 * 'accepted'), so the next phase does not share the cores with the last one's Temporal backlog.
 */
async function settled(pool: ReturnType<typeof createPool>): Promise<void> {
  const started = Date.now();
  const waiting = () => count(pool, `SELECT count(*)::int AS n FROM inbound_requests WHERE channel = 'terminal' AND outcome = 'accepted'`);
  const before = await waiting();
  while ((await waiting()) > 0 && Date.now() - started < 300_000) await new Promise((r) => setTimeout(r, 500));
  say(`settled: ${before} pays' signals were still on their way to Temporal; ${await waiting()} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A phase's answers and what one request cost in CPU, in the process that answered it and in Postgres. */
type Timed = RateResult & { serverMs: number; postgresMs: number };

async function count(pool: ReturnType<typeof createPool>, text: string): Promise<number> {
  return (await pool.query<{ n: number }>(text)).rows[0]?.n ?? 0;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
