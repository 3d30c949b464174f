import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../src/activities/index.js';
import type { ChargeActivityResult, ChargeInput, StateWrite } from '../../src/activities/subscriptions.js';
import type { subscriptionWorkflow, SubscriptionSnapshot, SubscriptionTerms } from '../../src/workflows/subscription.js';
import { chargeTime } from '../../src/domain/schedule.js';
import { workflowBundle } from '../support/time-skipping.js';

type Activities = Pick<ReturnType<typeof createActivities>, 'chargeSubscription' | 'recordSubscriptionState' | 'callAmountHook'>;
export type Outcome = ChargeActivityResult['outcome'];

export interface ChargeCall extends ChargeInput {
  /** Workflow (test-server) time at which the workflow scheduled this charge. */
  at: number;
}

/**
 * The time-skipping server's clock while its worker runs. A local activity's info carries the
 * worker's wall-clock time, not workflow time, so writes made by one are stamped from here.
 */
let serverClock: (() => Promise<number>) | undefined;

async function workflowTimeOfThisActivity(): Promise<number> {
  const info = Context.current().info;
  return info.isLocal && serverClock ? serverClock() : info.scheduledTimestampMs;
}

/**
 * Fake activities of the real types for subscription workflow tests: charges answer from a script
 * (then approve), every state write is kept, so tests assert what the ledger would have seen.
 */
export function fakeSubscriptionActivities(script: Outcome[] = [], opts: { holdCharges?: boolean; holdHook?: boolean } = {}) {
  const charges: ChargeCall[] = [];
  // holdCharges: every charge waits for release(), so a test can act while one is in flight.
  let entered: () => void = () => undefined;
  const charging = new Promise<void>((r) => (entered = r));
  let release: () => void = () => undefined;
  const released = opts.holdCharges || opts.holdHook ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  /** Every state write, with the workflow time its activity was scheduled at. */
  const writes: Array<StateWrite & { at: number }> = [];
  const hookAnswers: Array<Awaited<ReturnType<Activities['callAmountHook']>>> = [];
  const activities: Activities = {
    async chargeSubscription(input) {
      charges.push({ ...input, at: Context.current().info.scheduledTimestampMs });
      if (opts.holdCharges) {
        entered();
        await released;
      }
      const outcome = script.shift() ?? 'success';
      if (outcome === 'refused') return { outcome, code: 'tollgate_limits', message: 'above the gateway maximum', transactionId: null };
      // As the real activity: a success writes the next state it was given, in the same step.
      const next = outcome === 'success' ? input.stateAfterSuccess : undefined;
      if (next) writes.push({ ...structuredClone(next), at: Context.current().info.scheduledTimestampMs });
      return { outcome, code: outcome === 'success' ? '00' : '51', message: outcome, transactionId: `t-${charges.length}`, stateWritten: next !== undefined };
    },
    async recordSubscriptionState(w) {
      writes.push({ ...structuredClone(w), at: await workflowTimeOfThisActivity() });
    },
    async callAmountHook() {
      if (opts.holdHook) {
        entered();
        await released;
      }
      return hookAnswers.shift() ?? { kind: 'failed', reason: 'no scripted answer' };
    },
  };
  const events = () => writes.flatMap((w) => w.events.map((e) => e.type));
  return { activities, charges, writes, events, hookAnswers, charging, release: () => release() };
}

export function snapshot(over: Partial<SubscriptionTerms> & { firstChargeAt: string; state?: SubscriptionSnapshot['state'] }): SubscriptionSnapshot {
  const { firstChargeAt, state, ...terms } = over;
  const full: SubscriptionTerms = {
    amountMinor: 4999,
    currency: 'PLN',
    schedule: { kind: 'monthly', day: 1 },
    timeZone: 'Europe/Warsaw',
    anchorAt: firstChargeAt,
    anchorPeriod: 0,
    endsAt: null,
    minAmountMinor: null,
    maxAmountMinor: null,
    retryDelaysMs: [15 * 60_000, 6 * 3_600_000],
    gateway: 'sandbox',
    paymentMethod: { token: 'sandbox_approve', expires: null },
    cardExpiryNoticeMs: 14 * 86_400_000,
    ...terms,
  };
  const nextAt = chargeTime(full.schedule, Date.parse(firstChargeAt), full.timeZone, 0);
  return {
    subscriptionId: `sub_${randomUUID()}`,
    customerId: 'cus_test',
    terms: full,
    pending: null,
    state: state ?? 'active',
    stoppedReason: null,
    stoppedBy: null,
    period: 0,
    nextChargeAt: nextAt === null ? null : new Date(nextAt).toISOString(),
    softDeclines: 0,
    technicalRetries: 0,
    attempt: 0,
    retryAt: null,
    expiryNoticeFor: null,
    requestedAmountMinor: null,
  };
}

/** Where a test runs workflows: the time-skipping server, or the run's shared dev server. */
export type WorkflowServer = Pick<TestWorkflowEnvironment, 'client' | 'nativeConnection'>;

export async function runWithWorker<T>(env: WorkflowServer, activities: Activities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `tq-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
  const skipping = 'currentTimeMs' in env ? (env as TestWorkflowEnvironment) : undefined;
  serverClock = skipping ? () => skipping.currentTimeMs() : undefined;
  try {
    return await worker.runUntil(fn(taskQueue));
  } finally {
    serverClock = undefined;
  }
}

export function startSubscription(env: WorkflowServer, taskQueue: string, s: SubscriptionSnapshot) {
  return env.client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
    taskQueue,
    workflowId: `subscription:${s.subscriptionId}`,
    args: [s],
  });
}
