/**
 * Records workflow histories for the replay tests (test/workflow/replay.test.ts): runs scenarios
 * with fake activities on the Java time-skipping test server, with the workflow code of ANY commit,
 * and writes each run's history as JSON (the format `temporal workflow show --output json` and the
 * Temporal UI export) to test/histories/<scenario>-run<N>.json.
 *
 * The replay test then replays these histories with the current workflow code: a change that would
 * make an open workflow of that commit fail on its next task after a deploy (a timer, activity or
 * end that is no longer where the history has it) fails the test, unless a `patched()` guard keeps
 * the old path for old runs.
 *
 * Record with the code of the commit that is (or was) deployed, not the current one:
 *
 *   git worktree add /tmp/tollgate-old <commit>
 *   ln -s "$PWD/node_modules" /tmp/tollgate-old/node_modules
 *   node --import tsx test/replay/record-histories.ts --src /tmp/tollgate-old/src [--only name,…] [--out dir]
 *   git worktree remove --force /tmp/tollgate-old
 *
 * --src is that commit's src folder (its src/workflows/index.ts is bundled); without it, the current
 * src (useful only to try a scenario out). The fakes, snapshots and scenarios are this commit's: a
 * scenario that needs an input the old code does not know yet is for a later recording. The test
 * server is TOLLGATE_TEST_TIME_SKIPPING_SERVER, or the one `npm test` provisions (cached under
 * ~/.cache/tollgate). Each scenario checks that the old code did what the scenario is about (so a
 * recording never silently stores a history that misses the point), then its runs are written; the
 * file names are listed in test/histories/README.md with the commit they were recorded at.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadConfig } from '../../src/config.js';
import { ensureTimeSkippingServer } from '../../src/cli/provision/test-server.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import type { createActivities } from '../../src/activities/index.js';
import type { TemporaryPaymentInput } from '../../src/workflows/temporary-payment.js';
import { historyToJSON, type History } from '../support/history-json.js';
import { createTimeSkippingEnv } from '../support/time-skipping.js';
import { fakeSubscriptionActivities, snapshot, type Outcome } from '../workflow/subscription-harness.js';
import { check, type Ctx, realDelay, type Scenario, waitFor } from './scenario.js';
import { paymentScenarios } from './payment-scenarios.js';

const DAY = 86_400_000;
const say = (line: string) => console.log(`[record] ${line}`);

// --- subscriptions ------------------------------------------------------------------------------

function subscriptionScenario(
  name: string,
  about: string,
  over: Parameters<typeof snapshot>[0],
  script: Outcome[],
  expect: (fake: ReturnType<typeof fakeSubscriptionActivities>, result: { state: string; stoppedReason: string | null }) => void,
  keep?: Scenario['keep'],
): Scenario {
  return {
    name,
    about,
    ...(keep ? { keep } : {}),
    async run({ env, withWorker }) {
      const fake = fakeSubscriptionActivities(script);
      const s = { ...snapshot(over), subscriptionId: `sub_replay_${name.replaceAll('-', '_')}` };
      return withWorker(fake.activities, async (taskQueue) => {
        const h = await env.client.workflow.start('subscriptionWorkflow', { taskQueue, workflowId: `subscription:${s.subscriptionId}`, args: [s] });
        const result = (await h.result()) as { state: string; stoppedReason: string | null };
        expect(fake, result);
        return { workflowId: h.workflowId, firstRunId: h.firstExecutionRunId };
      });
    },
  };
}

const scenarios: Scenario[] = [
  subscriptionScenario(
    'subscription-card-expiry',
    'monthly on the 15th (UTC), card expiring 2027-04 (the month after the first charge), card.expiring notice 30 days: the old loop sleeps to the 15 April charge through the new notice window (from 1 April); the third run sends the notice late and stops at the 15 May charge',
    { firstChargeAt: '2027-03-15T09:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 15 }, paymentMethod: { token: 'sandbox_approve', expires: '2027-04' }, cardExpiryNoticeMs: 30 * DAY },
    [],
    (fake, result) => {
      check(fake.charges.length === 2, `two charges (got ${fake.charges.length})`);
      check(result.stoppedReason === 'card_expired', `stopped for the card (got ${result.stoppedReason})`);
      check(fake.events().includes('card.expiring'), 'a card.expiring notice');
    },
  ),
  subscriptionScenario(
    'subscription-past-due-card-expiry',
    'monthly on the 25th, a soft decline on 25 June retried 5 days later (then success), card expiring 2027-07 with a 35-day notice: the old loop sleeps past_due to the retry through the new notice moment (27 June); then July is charged and the card stops it at the August charge',
    {
      firstChargeAt: '2027-06-25T09:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 25 }, retryDelaysMs: [5 * DAY, 6 * 3_600_000],
      paymentMethod: { token: 'sandbox_approve', expires: '2027-07' }, cardExpiryNoticeMs: 35 * DAY,
    },
    ['soft_decline', 'success'],
    (fake, result) => {
      check(JSON.stringify(fake.charges.map((c) => [c.period, c.attempt])) === '[[0,0],[0,1],[1,0]]', 'a retried period 0, then period 1');
      check(fake.events().includes('subscription.past_due') && fake.events().includes('subscription.recovered'), 'past_due, then recovered');
      check(result.stoppedReason === 'card_expired', `stopped for the card (got ${result.stoppedReason})`);
    },
    (run) => run === 1, // runs 2 and 3 are like subscription-card-expiry's
  ),
  subscriptionScenario(
    'subscription-monthly-12',
    'a plain monthly subscription (31st, Europe/Warsaw) over 12 periods, continuing as new after each charge, ended by its end date',
    { firstChargeAt: '2027-01-31T08:00:00.000Z', schedule: { kind: 'monthly', day: 31 }, endsAt: '2028-01-15T00:00:00.000Z' },
    [],
    (fake, result) => {
      check(fake.charges.length === 12, `12 charges (got ${fake.charges.length})`);
      check(result.stoppedReason === 'ended', `ended (got ${result.stoppedReason})`);
    },
    (run, runs) => run === 1 || run >= runs - 1, // the first charge, the twelfth, and the end; the others are like the first
  ),
  {
    name: 'subscription-amount-hook',
    about:
      'monthly on the 1st with an amount hook answering 2500, 2600, 2700, 2800; a user stop arrives while the third period\'s hook is being asked (the old code stops at once, then still charges the hook\'s amount), the chain is terminated after that',
    async run({ env, withWorker }) {
      const fake = fakeSubscriptionActivities();
      fake.hookAnswers.push(
        { kind: 'amount', amountMinor: 2500 },
        { kind: 'amount', amountMinor: 2600 },
        { kind: 'amount', amountMinor: 2700 },
        { kind: 'amount', amountMinor: 2800 },
      );
      let hookCalls = 0;
      let held: () => void = () => undefined;
      const heldHook = new Promise<void>((r) => (held = r));
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      const ask = fake.activities.callAmountHook;
      const activities = {
        ...fake.activities,
        async callAmountHook(input: Parameters<typeof ask>[0]) {
          hookCalls += 1;
          if (hookCalls === 3) {
            held();
            await released;
          }
          return ask(input);
        },
      };
      const s = {
        ...snapshot({ firstChargeAt: '2027-01-01T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 1, amount_hook: 'http://billing.invalid/amount' } }),
        subscriptionId: 'sub_replay_subscription_amount_hook',
      };
      return withWorker(activities, async (taskQueue) => {
        const h = await env.client.workflow.start('subscriptionWorkflow', { taskQueue, workflowId: `subscription:${s.subscriptionId}`, args: [s] });
        // Skip to the third charge time (1 March), where the hook's call is held.
        await env.sleep(Date.parse('2027-03-01T08:00:00.000Z') - (await env.currentTimeMs()));
        check((await Promise.race([heldHook.then(() => 'held' as const), realDelay(10_000)])) === 'held', 'the third hook call is in flight');
        try {
          await env.client.workflow.getHandle(h.workflowId).executeUpdate('stop', { args: [{ by: 'user', reason: 'moving out' }] });
        } finally {
          release();
        }
        // Let the round finish on a locked clock (the old code charges it and continues as new),
        // then end the chain: left alone it would charge, or skip, a period a month for ever.
        const current = env.client.workflow.getHandle(h.workflowId);
        const stopRun = (await current.describe()).runId;
        await waitFor(async () => (await current.describe()).runId !== stopRun, 10_000);
        await realDelay(500); // the new run's first task (its timer) is in its history
        await current.terminate('recording done');
        check(fake.charges.map((c) => c.amountMinor).slice(0, 2).join() === '2500,2600', 'the first two periods charged the hook\'s amounts');
        check(fake.events().includes('subscription.stopped'), 'the stop was written');
        return { workflowId: h.workflowId, firstRunId: h.firstExecutionRunId };
      });
    },
  },

  // --- temporary payments -------------------------------------------------------------------------
  temporaryScenario('temporary-expires', 'a temporary payment with a 5-day expiry and no bank line: settled as expired', async ({ start, calls }) => {
    const h = await start();
    await h.result();
    check(calls.join() === 'settle:expired', `settled as expired (got ${calls.join()})`);
    return h;
  }),
  temporaryScenario('temporary-bank-line', 'a temporary payment settled by a bank line signal a day after it opened', async ({ env, start, calls }) => {
    const h = await start();
    await env.sleep(DAY);
    await h.signal('bankMatched', { lineId: 'bln_replay_1' });
    await h.result();
    check(calls.join() === 'settle:bank', `settled by the bank (got ${calls.join()})`);
    return h;
  }),
  temporaryScenario(
    'temporary-bank-line-during-expiry',
    'a bank line signal arrives while the expiry settlement is being written (and the activity answers expired): the old code ends the run there',
    async ({ env, start, calls, holdExpiry }) => {
      const h = await start();
      await env.sleep(5 * DAY);
      check((await Promise.race([holdExpiry.entered.then(() => 'held' as const), realDelay(10_000)])) === 'held', 'the expiry settlement is in flight');
      try {
        await h.signal('bankMatched', { lineId: 'bln_replay_2' });
      } finally {
        holdExpiry.release();
      }
      await h.result();
      // The code of 0742c24 ends there (settle:expired); later code also settles by the bank.
      check(calls[0] === 'settle:expired', `the expiry was written first (got ${calls.join()})`);
      return h;
    },
  ),
];

scenarios.push(...paymentScenarios);

type TemporaryActivities = Pick<ReturnType<typeof createActivities>, 'settleTemporaryPayment' | 'unsettleTemporaryPayment'>;

function temporaryScenario(
  name: string,
  about: string,
  body: (t: {
    env: TestWorkflowEnvironment;
    start: () => Promise<WorkflowHandleWithFirstExecutionRunId>;
    calls: string[];
    holdExpiry: { entered: Promise<void>; release: () => void };
  }) => Promise<WorkflowHandleWithFirstExecutionRunId>,
): Scenario {
  return {
    name,
    about,
    async run({ env, withWorker }) {
      const calls: string[] = [];
      let entered: () => void = () => undefined;
      const enteredP = new Promise<void>((r) => (entered = r));
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      const holdsExpiry = name.endsWith('during-expiry');
      const activities: TemporaryActivities = {
        async settleTemporaryPayment({ reason, lineId }) {
          if (reason === 'expired' && holdsExpiry) {
            entered();
            await released;
          }
          calls.push(`settle:${reason}`);
          return { status: 'settled' as const, settledReason: reason, bankLineId: lineId ?? null };
        },
        async unsettleTemporaryPayment() {
          calls.push('unsettle');
          return { status: 'open' as const, settledReason: null, bankLineId: null };
        },
      };
      const temporaryPaymentId = `tmp_replay_${name.replaceAll('-', '_')}`;
      return withWorker(activities, async (taskQueue) => {
        const now = await env.currentTimeMs();
        const input: TemporaryPaymentInput = { temporaryPaymentId, expiresAt: new Date(now + 5 * DAY).toISOString(), expirationMs: 5 * DAY };
        const start = () => env.client.workflow.start('temporaryPaymentWorkflow', { taskQueue, workflowId: `temporary-payment:${temporaryPaymentId}`, args: [input] });
        const h = await body({ env, start, calls, holdExpiry: { entered: enteredP, release: () => release() } });
        return { workflowId: h.workflowId, firstRunId: h.firstExecutionRunId };
      });
    },
  };
}

// --- recording ----------------------------------------------------------------------------------

/** Every run of a workflow from its first, following continue-as-new, each run's full history. */
async function historiesOf(env: TestWorkflowEnvironment, workflowId: string, firstRunId: string): Promise<History[]> {
  const runs: History[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { src: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' } },
  });
  const src = resolve(values.src ?? join(projectRoot(), 'src'));
  const workflowsPath = join(src, 'workflows', 'index.ts');
  if (!existsSync(workflowsPath)) throw new Error(`${workflowsPath} does not exist: --src is a commit's src folder`);
  const out = resolve(values.out ?? join(projectRoot(), 'test', 'histories'));
  const only = values.only?.split(',');
  const chosen = scenarios.filter((s) => !only || only.includes(s.name));
  if (only && chosen.length !== only.length) throw new Error(`unknown scenario in --only; known: ${scenarios.map((s) => s.name).join(', ')}`);

  process.env.TOLLGATE_TEST_TIME_SKIPPING_SERVER ??= await ensureTimeSkippingServer({ cacheOverride: loadConfig().TOLLGATE_CACHE_DIR, env: process.env, log: say });
  say(`bundling ${workflowsPath}`);
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };
  const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({ workflowsPath, logger: silent });
  mkdirSync(out, { recursive: true });

  for (const scenario of chosen) {
    say(`${scenario.name}: ${scenario.about}`);
    // A fresh test server per scenario: its clock only moves forward, and the dates are fixed.
    const env = await createTimeSkippingEnv();
    try {
      let queue = 0;
      const ctx: Ctx = {
        env,
        withWorker: async (activities, fn) => {
          const taskQueue = `record-${scenario.name}-${++queue}`;
          const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
          return worker.runUntil(fn(taskQueue));
        },
      };
      const { workflowId, firstRunId } = await scenario.run(ctx);
      const runs = await historiesOf(env, workflowId, firstRunId);
      runs.forEach((history, i) => {
        if (scenario.keep && !scenario.keep(i + 1, runs.length)) return;
        const file = join(out, `${scenario.name}-run${i + 1}.json`);
        writeFileSync(file, `${historyToJSON(history)}\n`);
        say(`  wrote ${file} (${history.events?.length ?? 0} events)`);
      });
    } finally {
      await env.teardown();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
