/**
 * `npm run bench:billing`: what recurring billing costs, next to bare Temporal doing the same
 * number of timers and activities on the same server in the same run.
 *   Table 1 (per run): N subscriptions due in the same minute — time until every one is charged and
 *     its period advanced in the ledger, lag, CPU, memory — beside N bare workflows (timer + no-op
 *     activity) on the same server with as many worker processes. Postgres CPU is the bench's one
 *     Postgres with all its backends: the ledger's SQL, and on the cluster Temporal's persistence
 *     (for both runs), and the bench's own polling for completions.
 *   Summary: charges/s, the ratio Tollgate/bare, the p99 lag ratio, and server, worker and Postgres
 *     CPU per charge of every run.
 *   Table 2: CPU over a quiet minute while M subscriptions sleep (dev server).
 * BENCH_RUNS picks the runs, as target:workers (default dev:1,cluster:1,cluster:2,cluster:3; a target
 * is `dev`, the Temporal CLI dev server, or `cluster`, the real Temporal server 1.29.1 on Postgres
 * that `npm run start:cluster` runs). BENCH_N (2000), BENCH_IDLE_N (10000; 0 skips Table 2) and
 * BENCH_IDLE_SECONDS (60) change the sizes. BENCH_COMPARE_TREE=<another checkout> adds, in every run,
 * a burst of that checkout's worker (an older commit, say) before this one's: before and after
 * measured in the same run, on the same server, beside the same baseline.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { availableParallelism } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { createPool } from '../src/db/pool.js';
import { type BurstResult, dueAfterStarting, measureBurst, startBaseline, startSubscriptions, stopWorkers, waitForPollers } from './lib/billing-burst.js';
import { startBenchCluster } from './lib/cluster.js';
import { sampleProcess } from './lib/proc.js';
import { type BenchPostgres, startBenchDevServer, startBenchPostgres, spawnWorker } from './lib/servers.js';
import { printTable } from './lib/table.js';

const N = Number(process.env.BENCH_N ?? 2000);
const IDLE_N = Number(process.env.BENCH_IDLE_N ?? 10_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const say = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Target = 'dev' | 'cluster';
interface Run { target: Target; workers: number }

function parseRuns(spec: string): Run[] {
  return spec.split(',').map((part) => {
    const [target, workers = '1'] = part.trim().split(':');
    const n = Number(workers);
    if ((target !== 'dev' && target !== 'cluster') || !Number.isInteger(n) || n < 1 || n > 8) {
      throw new Error(`BENCH_RUNS: "${part}" is not target:workers (target dev or cluster, 1–8 workers)`);
    }
    return { target, workers: n };
  });
}

const RUNS = parseRuns(process.env.BENCH_RUNS ?? 'dev:1,cluster:1,cluster:2,cluster:3');
const COMPARE_TREE = process.env.BENCH_COMPARE_TREE;

interface Server { temporalAddress: string; temporalPid: number; stop(): Promise<void> }

/** N subscriptions due together, charged by `workers` worker processes of the checkout at `root`. */
async function tollgateBurst(server: Server, client: Client, pool: pg.Pool, postgres: BenchPostgres, workers: number, root?: string): Promise<BurstResult> {
  const tq = `bench-${randomUUID()}`;
  const tgWorkers = Array.from({ length: workers }, () => spawnWorker('src/worker/main.ts', {
    DATABASE_URL: postgres.databaseUrl, TEMPORAL_ADDRESS: server.temporalAddress, TEMPORAL_TASK_QUEUE: tq, DATABASE_POOL_SIZE: '10',
  }, root));
  await waitForPollers(client, tq, workers).catch(async (err: unknown) => {
    await stopWorkers(tgWorkers);
    throw err;
  });
  const due = dueAfterStarting(N);
  say(`starting ${N} subscriptions due at ${due.toISOString()} (${workers} worker${workers > 1 ? 's' : ''}${root ? ` of ${root}` : ''})…`);
  const subs = await startSubscriptions(pool, client, tq, N, due).catch(async (err: unknown) => {
    await stopWorkers(tgWorkers);
    throw err;
  });
  // Done when the ledger shows the period advanced (the row is written after the charge's own row).
  return measureBurst({
    serverPid: server.temporalPid, workerPids: tgWorkers.map((w) => w.pid ?? 0), postgresPid: postgres.pid, dueAt: due, count: N,
    completedAt: async () => {
      const r = await pool.query<{ t: Date }>({ text: `SELECT updated_at AS t FROM subscriptions WHERE id = ANY($1) AND period >= 1`, values: [subs] });
      return r.rows.map((x) => x.t.getTime());
    },
  }, say).finally(() => stopWorkers(tgWorkers));
}

/** N bare workflows (timer + no-op activity) due together, on `workers` bare worker processes. */
async function bareBurst(server: Server, client: Client, postgres: BenchPostgres, workers: number): Promise<BurstResult> {
  const btq = `baseline-${randomUUID()}`;
  const bWorkers = Array.from({ length: workers }, () =>
    spawnWorker('bench/baseline/worker.ts', { TEMPORAL_ADDRESS: server.temporalAddress, TASK_QUEUE: btq, BASELINE_REPORT_DONE: '1' }, undefined, { stdout: 'pipe' }));
  const doneAt = new Map<string, number>(); // workflow id → when its activity ended (a repeat keeps the first)
  for (const w of bWorkers) {
    if (!w.stdout) continue;
    createInterface({ input: w.stdout }).on('line', (line) => {
      const [word, id, ms] = line.split(' ');
      if (word === 'done' && id && ms && !doneAt.has(id)) doneAt.set(id, Number(ms));
    });
  }
  await waitForPollers(client, btq, workers).catch(async (err: unknown) => {
    await stopWorkers(bWorkers);
    throw err;
  });
  const due = dueAfterStarting(N);
  say(`starting ${N} bare workflows due at ${due.toISOString()}…`);
  await startBaseline(client, btq, N, due).catch(async (err: unknown) => {
    await stopWorkers(bWorkers);
    throw err;
  });
  // Done when its activity has ended, as each worker reports (the counterpart of Tollgate's charge
  // row): polling the server's visibility instead cost the cluster's server and Postgres more CPU
  // than the burst itself and slowed the very baseline it measured.
  return measureBurst({
    serverPid: server.temporalPid, workerPids: bWorkers.map((w) => w.pid ?? 0), postgresPid: postgres.pid, dueAt: due, count: N,
    completedAt: () => Promise.resolve([...doneAt.values()]),
  }, say).finally(() => stopWorkers(bWorkers));
}

async function idleCpu(serverPid: number, workerPid: number): Promise<{ workerCpu: number; serverCpu: number }> {
  const started = Date.now();
  // Until the worker has worked off the starts (under 0.25 CPU-s per 5 s), at most 10 minutes.
  while (Date.now() - started < 10 * 60_000) {
    const window = sampleProcess(workerPid);
    await sleep(5000);
    if (window.stop().cpu < 0.25) break;
  }
  say(`settled after ${((Date.now() - started) / 1000).toFixed(0)} s; measuring ${IDLE_SECONDS} s`);
  const w = sampleProcess(workerPid);
  const s = sampleProcess(serverPid);
  await sleep(IDLE_SECONDS * 1000);
  return { workerCpu: w.stop().cpu, serverCpu: s.stop().cpu };
}

/** Table 2: M subscriptions and M bare workflows sleeping, one worker each. */
async function idleTable(server: Server, client: Client, pool: pg.Pool, databaseUrl: string): Promise<void> {
  const farDue = new Date(Date.now() + 30 * 86_400_000);
  const tq = `bench-idle-${randomUUID()}`;
  const tg = spawnWorker('src/worker/main.ts', { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: server.temporalAddress, TEMPORAL_TASK_QUEUE: tq, DATABASE_POOL_SIZE: '10' });
  say(`starting ${IDLE_N} sleeping subscriptions…`);
  await startSubscriptions(pool, client, tq, IDLE_N, farDue);
  const tgIdle = await idleCpu(server.temporalPid, tg.pid ?? 0);
  await stopWorkers([tg]);
  const btq = `baseline-idle-${randomUUID()}`;
  const bare = spawnWorker('bench/baseline/worker.ts', { TEMPORAL_ADDRESS: server.temporalAddress, TASK_QUEUE: btq });
  say(`starting ${IDLE_N} sleeping bare workflows…`);
  await startBaseline(client, btq, IDLE_N, farDue);
  const bIdle = await idleCpu(server.temporalPid, bare.pid ?? 0);
  await stopWorkers([bare]);
  printTable(`Table 2 — CPU over ${IDLE_SECONDS} s while ${IDLE_N} more sleep (server figures include everything else it holds)`,
    ['', 'worker CPU s', 'server CPU s'],
    [['Tollgate subscriptions', tgIdle.workerCpu, tgIdle.serverCpu], ['bare Temporal workflows', bIdle.workerCpu, bIdle.serverCpu],
      ['ratio', tgIdle.workerCpu / bIdle.workerCpu, tgIdle.serverCpu / bIdle.serverCpu]]);
}

async function main(): Promise<void> {
  say(`N=${N} due together; runs ${RUNS.map((r) => `${r.target}:${r.workers}`).join(', ')}; M=${IDLE_N} sleeping for ${IDLE_SECONDS} s; ${availableParallelism()} cores`);
  const postgres = await startBenchPostgres();
  const pool = createPool(postgres.databaseUrl, 20);
  const summary: Array<Array<string | number>> = [];
  try {
    for (const target of ['dev', 'cluster'] as const) {
      const runs = RUNS.filter((r) => r.target === target);
      if (runs.length === 0 && !(target === 'dev' && IDLE_N > 0)) continue;
      say(`starting the ${target === 'dev' ? 'Temporal dev server' : 'Temporal server 1.29.1 on Postgres'}…`);
      const server: Server = target === 'dev' ? await startBenchDevServer(postgres.scratch, say) : await startBenchCluster({ databaseUrl: postgres.databaseUrl, dir: join(postgres.scratch, 'cluster'), log: say });
      const connection = await Connection.connect({ address: server.temporalAddress });
      const client = new Client({ connection });
      try {
        for (const run of runs) {
          const label = `${target}, ${run.workers} worker${run.workers > 1 ? 's' : ''}`;
          const compared = COMPARE_TREE ? await tollgateBurst(server, client, pool, postgres, run.workers, COMPARE_TREE) : undefined;
          const tollgate = await tollgateBurst(server, client, pool, postgres, run.workers);
          const bare = await bareBurst(server, client, postgres, run.workers);
          const cols = (r: BurstResult) => [r.wallS, r.perSecond, r.p50S, r.p99S, r.workerCpu, r.workerRss, r.serverCpu, r.serverRss, r.postgresCpu];
          const ratio = (r: BurstResult) => cols(r).map((v, i) => v / (cols(bare)[i] ?? Number.NaN));
          printTable(`Table 1 — ${target}, ${run.workers} worker process(es): ${N} charges due in the same minute (lag = completion − due time)`,
            ['', 'wall s', 'per s', 'p50 lag s', 'p99 lag s', 'worker CPU s', 'worker peak MB', 'server CPU s', 'server peak MB', 'Postgres CPU s'],
            [
              ...(compared ? [[`Tollgate at ${COMPARE_TREE}`, ...cols(compared)], [`  ratio to bare`, ...ratio(compared)]] : []),
              ['Tollgate subscriptions', ...cols(tollgate)], ['bare Temporal (timer + no-op activity)', ...cols(bare)], ['ratio', ...ratio(tollgate)],
            ]);
          const row = (name: string, r: BurstResult) => [name, r.perSecond, bare.perSecond, r.perSecond / bare.perSecond,
            r.p99S, bare.p99S, r.p99S / bare.p99S, r.serverCpu / N * 1000, bare.serverCpu / N * 1000, r.serverCpu / bare.serverCpu,
            r.workerCpu / N * 1000, bare.workerCpu / N * 1000, r.postgresCpu / N * 1000, bare.postgresCpu / N * 1000];
          if (compared) summary.push(row(`${label} (${COMPARE_TREE})`, compared));
          summary.push(row(label, tollgate));
        }
        if (target === 'dev' && IDLE_N > 0) await idleTable(server, client, pool, postgres.databaseUrl);
      } finally {
        await connection.close();
        await server.stop();
      }
    }
    printTable(`Summary — ${N} charges due in the same minute, each run beside bare Temporal on the same server`,
      ['run', 'Tollgate /s', 'bare /s', 'ratio', 'Tollgate p99 s', 'bare p99 s', 'p99 ratio', 'Tollgate server CPU ms/charge', 'bare server CPU ms/charge', 'server CPU ratio',
        'Tollgate worker CPU ms/charge', 'bare worker CPU ms/charge', 'Tollgate Postgres CPU ms/charge', 'bare Postgres CPU ms/charge'], summary);
  } finally {
    await pool.end();
    await postgres.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
