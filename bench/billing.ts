/**
 * `npm run bench:billing`: what recurring billing costs, next to bare Temporal doing the same
 * number of timers and activities on the same server in the same run.
 *   Table 1: N subscriptions due in the same minute — time to charge them all, lag, CPU, memory.
 *   Table 2: CPU over a quiet minute while M subscriptions sleep.
 * BENCH_N (2000), BENCH_IDLE_N (10000), BENCH_IDLE_SECONDS (60) change the sizes.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { createPool } from '../src/db/pool.js';
import { insertCustomer } from '../src/db/customers.js';
import { insertSubscription } from '../src/db/subscriptions.js';
import { startSubscriptionWorkflow } from '../src/temporal/start.js';
import type { SubscriptionSnapshot } from '../src/workflows/subscription.js';
import type { baselineWorkflow } from './baseline/workflows.js';
import { sampleProcess } from './lib/proc.js';
import { startBenchServers, spawnWorker } from './lib/servers.js';
import { inBatches, percentile, printTable } from './lib/table.js';

const N = Number(process.env.BENCH_N ?? 2000);
const IDLE_N = Number(process.env.BENCH_IDLE_N ?? 10_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const START_CONCURRENCY = 50;
const GIVE_UP_MS = 15 * 60_000;
const say = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function snapshot(id: string, customerId: string, dueAt: Date): SubscriptionSnapshot {
  return {
    subscriptionId: id, customerId, pending: null, state: 'active', stoppedReason: null, stoppedBy: null, period: 0,
    nextChargeAt: dueAt.toISOString(), softDeclines: 0, technicalRetries: 0, attempt: 0, retryAt: null, expiryNoticeFor: null, requestedAmountMinor: null,
    terms: {
      amountMinor: 4999, currency: 'PLN', schedule: { kind: 'interval', duration: 'P30D' }, timeZone: 'UTC', anchorAt: dueAt.toISOString(), anchorPeriod: 0,
      endsAt: null, minAmountMinor: null, maxAmountMinor: null, retryDelaysMs: [900_000], gateway: 'sandbox', mode: 'test',
      paymentMethod: { token: 'sandbox_approve', expires: null }, cardExpiryNoticeMs: 14 * 86_400_000,
    },
  };
}

/** Starts `count` subscriptions (row + workflow, as the API does) due at `dueAt`. */
async function startSubscriptions(pool: pg.Pool, client: Client, taskQueue: string, count: number, dueAt: Date): Promise<string[]> {
  const customerId = `cus_bench_${randomUUID()}`;
  await insertCustomer(pool, { id: customerId, externalRef: customerId, name: 'Bench', email: null });
  const ids = Array.from({ length: count }, () => `sub_bench_${randomUUID()}`);
  await inBatches(ids, START_CONCURRENCY, async (id) => {
    const s = snapshot(id, customerId, dueAt);
    await insertSubscription(pool, {
      id, customerId, gateway: 'sandbox', mode: 'test', paymentMethod: s.terms.paymentMethod, amountMinor: 4999n, currency: 'PLN',
      schedule: s.terms.schedule, timeZone: 'UTC', firstChargeAt: dueAt, endsAt: null, minAmountMinor: null, maxAmountMinor: null,
      retrySchedule: ['PT15M'], period: 0, nextChargeAt: dueAt, firstPaymentId: null,
    });
    await startSubscriptionWorkflow(client, taskQueue, s);
  });
  return ids;
}

async function startBaseline(client: Client, taskQueue: string, count: number, dueAt: Date): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `baseline:${randomUUID()}`);
  await inBatches(ids, START_CONCURRENCY, async (workflowId) => {
    await client.workflow.start<typeof baselineWorkflow>('baselineWorkflow', { taskQueue, workflowId, args: [dueAt.toISOString()] });
  });
  return ids;
}

/** A due moment far enough ahead that starting `count` workflows is over before it. */
const dueAfterStarting = (count: number) => new Date(Date.now() + 20_000 + count * 15);

interface BurstResult { wallS: number; perSecond: number; p50S: number; p99S: number; workerCpu: number; workerRss: number; serverCpu: number; serverRss: number }

async function measureBurst(serverPid: number, workerPid: number, dueAt: Date, completedAt: () => Promise<number[]>, count: number): Promise<BurstResult> {
  if (Date.now() > dueAt.getTime()) say('warning: starting took longer than planned; the burst began before measuring');
  await sleep(Math.max(0, dueAt.getTime() - Date.now()));
  const worker = sampleProcess(workerPid);
  const server = sampleProcess(serverPid);
  const deadline = Date.now() + GIVE_UP_MS;
  let done: number[] = [];
  while (Date.now() < deadline) {
    done = await completedAt();
    if (done.length >= count) break;
    await sleep(250);
  }
  const w = worker.stop();
  const s = server.stop();
  const lags = done.map((t) => (t - dueAt.getTime()) / 1000).sort((a, b) => a - b);
  const wallS = lags.at(-1) ?? Number.NaN;
  if (done.length < count) say(`warning: only ${done.length}/${count} finished in ${GIVE_UP_MS / 60_000} minutes`);
  return { wallS, perSecond: done.length / wallS, p50S: percentile(lags, 50), p99S: percentile(lags, 99), workerCpu: w.cpu, workerRss: w.peakRssMb, serverCpu: s.cpu, serverRss: s.peakRssMb };
}

/** Waits until the worker has worked off the starts (under 0.25 CPU-s per 5 s), at most 10 minutes. */
async function untilQuiet(workerPid: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 10 * 60_000) {
    const window = sampleProcess(workerPid);
    await sleep(5000);
    if (window.stop().cpu < 0.25) break;
  }
  return (Date.now() - started) / 1000;
}

async function idleCpu(serverPid: number, workerPid: number): Promise<{ workerCpu: number; serverCpu: number }> {
  say(`settled after ${(await untilQuiet(workerPid)).toFixed(0)} s; measuring ${IDLE_SECONDS} s`);
  const w = sampleProcess(workerPid);
  const s = sampleProcess(serverPid);
  await sleep(IDLE_SECONDS * 1000);
  return { workerCpu: w.stop().cpu, serverCpu: s.stop().cpu };
}

async function main(): Promise<void> {
  say(`N=${N} due together; M=${IDLE_N} sleeping for ${IDLE_SECONDS} s; ${availableParallelism()} cores`);
  const servers = await startBenchServers(say);
  const pool = createPool(servers.databaseUrl, 20);
  const connection = await Connection.connect({ address: servers.temporalAddress });
  const client = new Client({ connection });
  const children: Array<ReturnType<typeof spawnWorker>> = [];
  try {
    // Table 1 — Tollgate
    const tq = `bench-${randomUUID()}`;
    const tgWorker = spawnWorker('src/worker/main.ts', { DATABASE_URL: servers.databaseUrl, TEMPORAL_ADDRESS: servers.temporalAddress, TEMPORAL_TASK_QUEUE: tq, DATABASE_POOL_SIZE: '20' });
    children.push(tgWorker);
    let due = dueAfterStarting(N);
    say(`starting ${N} subscriptions due at ${due.toISOString()}…`);
    const subs = await startSubscriptions(pool, client, tq, N, due);
    const tollgate = await measureBurst(servers.temporalPid, tgWorker.pid ?? 0, due, async () => {
      const r = await pool.query<{ t: Date }>({ text: `SELECT completed_at AS t FROM charge_attempts WHERE subscription_id = ANY($1) AND status = 'succeeded'`, values: [subs] });
      return r.rows.map((x) => x.t.getTime());
    }, N);

    // Table 1 — baseline
    const btq = `baseline-${randomUUID()}`;
    const bWorker = spawnWorker('bench/baseline/worker.ts', { TEMPORAL_ADDRESS: servers.temporalAddress, TASK_QUEUE: btq });
    children.push(bWorker);
    due = dueAfterStarting(N);
    say(`starting ${N} bare workflows due at ${due.toISOString()}…`);
    await startBaseline(client, btq, N, due);
    // Polled with a cheap count; the close times are read once, when all are done.
    const completed = `TaskQueue = '${btq}' AND ExecutionStatus = 'Completed'`;
    const baseline = await measureBurst(servers.temporalPid, bWorker.pid ?? 0, due, async () => {
      const { count } = await client.workflow.count(completed);
      if (count < N) return Array.from({ length: count }, () => Number.NaN);
      const times: number[] = [];
      for await (const wf of client.workflow.list({ query: completed })) if (wf.closeTime) times.push(wf.closeTime.getTime());
      return times;
    }, N);
    const cols = (r: BurstResult) => [r.wallS, r.perSecond, r.p50S, r.p99S, r.workerCpu, r.workerRss, r.serverCpu, r.serverRss];
    const ratio = cols(tollgate).map((v, i) => v / (cols(baseline)[i] ?? Number.NaN));
    printTable(`Table 1 — ${N} charges due in the same minute (lag = completion − due time)`,
      ['', 'wall s', 'per s', 'p50 lag s', 'p99 lag s', 'worker CPU s', 'worker peak MB', 'server CPU s', 'server peak MB'],
      [['Tollgate subscriptions', ...cols(tollgate)], ['bare Temporal (timer + no-op activity)', ...cols(baseline)], ['ratio', ...ratio]]);

    // Table 2 — sleeping
    const farDue = new Date(Date.now() + 30 * 86_400_000);
    say(`starting ${IDLE_N} sleeping subscriptions…`);
    await startSubscriptions(pool, client, tq, IDLE_N, farDue);
    const tgIdle = await idleCpu(servers.temporalPid, tgWorker.pid ?? 0);
    say(`starting ${IDLE_N} sleeping bare workflows…`);
    await startBaseline(client, btq, IDLE_N, farDue);
    const bIdle = await idleCpu(servers.temporalPid, bWorker.pid ?? 0);
    printTable(`Table 2 — CPU over ${IDLE_SECONDS} s while ${IDLE_N} more sleep (server figures include everything else it holds)`,
      ['', 'worker CPU s', 'server CPU s'],
      [['Tollgate subscriptions', tgIdle.workerCpu, tgIdle.serverCpu], ['bare Temporal workflows', bIdle.workerCpu, bIdle.serverCpu],
        ['ratio', tgIdle.workerCpu / bIdle.workerCpu, tgIdle.serverCpu / bIdle.serverCpu]]);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await connection.close();
    await pool.end();
    await servers.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
