import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { insertCustomer } from '../../src/db/customers.js';
import { insertSubscription } from '../../src/db/subscriptions.js';
import { startSubscriptionWorkflow } from '../../src/temporal/start.js';
import type { SubscriptionSnapshot } from '../../src/workflows/subscription.js';
import type { baselineWorkflow } from '../baseline/workflows.js';
import { sampleProcess, sampleTree } from './proc.js';
import { inBatches, percentile } from './table.js';

const START_CONCURRENCY = 50;
const GIVE_UP_MS = 15 * 60_000;
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
export async function startSubscriptions(pool: pg.Pool, client: Client, taskQueue: string, count: number, dueAt: Date): Promise<string[]> {
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

export async function startBaseline(client: Client, taskQueue: string, count: number, dueAt: Date): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `baseline:${randomUUID()}`);
  await inBatches(ids, START_CONCURRENCY, async (workflowId) => {
    await client.workflow.start<typeof baselineWorkflow>('baselineWorkflow', { taskQueue, workflowId, args: [dueAt.toISOString()] });
  });
  return ids;
}

/**
 * Waits until `workers` worker processes poll `taskQueue` for workflow tasks (DescribeTaskQueue's
 * pollers, one identity per process), so a burst measures charges, not a worker still bundling its
 * workflow code — on a busy machine Tollgate's bundle takes far longer than the baseline's.
 */
export async function waitForPollers(client: Client, taskQueue: string, workers: number): Promise<void> {
  const deadline = Date.now() + GIVE_UP_MS;
  while (Date.now() < deadline) {
    const res = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue } });
    if (new Set((res.pollers ?? []).map((p) => p.identity)).size >= workers) return;
    await sleep(500);
  }
  throw new Error(`${workers} workers did not poll ${taskQueue} within ${GIVE_UP_MS / 60_000} minutes`);
}

/** A due moment far enough ahead that starting `count` workflows is over before it. */
export const dueAfterStarting = (count: number) => new Date(Date.now() + 20_000 + count * 15);

export interface BurstResult { wallS: number; perSecond: number; p50S: number; p99S: number; workerCpu: number; workerRss: number; serverCpu: number; serverRss: number; postgresCpu: number }

/**
 * Waits for `dueAt`, then polls `completedAt` (the completion times seen so far) until `count` are
 * done, sampling the server and every worker process meanwhile (CPU summed; peak memory summed
 * over the workers' peaks), and Postgres with all its backends (CPU).
 */
export async function measureBurst(
  o: { serverPid: number; workerPids: number[]; postgresPid: number; dueAt: Date; count: number; completedAt: () => Promise<number[]> },
  say: (line: string) => void,
): Promise<BurstResult> {
  if (Date.now() > o.dueAt.getTime()) say('warning: starting took longer than planned; the burst began before measuring');
  await sleep(Math.max(0, o.dueAt.getTime() - Date.now()));
  const workers = o.workerPids.map((pid) => sampleProcess(pid));
  const server = sampleProcess(o.serverPid);
  const postgres = sampleTree(o.postgresPid);
  const deadline = Date.now() + GIVE_UP_MS;
  let done: number[] = [];
  while (Date.now() < deadline) {
    done = await o.completedAt();
    if (done.length >= o.count) break;
    await sleep(250);
  }
  const w = workers.map((x) => x.stop());
  const s = server.stop();
  const postgresCpu = postgres.stop();
  const lags = done.map((t) => (t - o.dueAt.getTime()) / 1000).sort((a, b) => a - b);
  const wallS = lags.at(-1) ?? Number.NaN;
  if (done.length < o.count) say(`warning: only ${done.length}/${o.count} finished in ${GIVE_UP_MS / 60_000} minutes`);
  return {
    wallS, perSecond: done.length / wallS, p50S: percentile(lags, 50), p99S: percentile(lags, 99),
    workerCpu: w.reduce((sum, x) => sum + x.cpu, 0), workerRss: w.reduce((sum, x) => sum + x.peakRssMb, 0),
    serverCpu: s.cpu, serverRss: s.peakRssMb, postgresCpu,
  };
}

/** SIGTERM (the workers shut down gracefully), SIGKILL after 20 s. */
export async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }));
}
