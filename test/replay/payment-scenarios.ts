import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { createActivities } from '../../src/activities/index.js';
import type { GatewayOutcome } from '../../src/domain/payment.js';
import { check, realDelay, type Scenario } from './scenario.js';

/** The payment workflow's scenarios of test/replay/record-histories.ts: the paths the integration tests never close. */
type PaymentActivities = Pick<ReturnType<typeof createActivities>, 'recordPaymentOutcome' | 'expirePayment' | 'queryPaymentStatus' | 'noteLateSuccess'>;

/**
 * A payment whose gateway never calls back: the workflow asks the gateway's status on its backoff.
 * `answers` are the status answers in turn (undefined: nothing known yet); `holdExpiry` holds the
 * expiry activity until `during` has run (a callback arriving while the expiry is written).
 */
function paymentScenario(
  name: string,
  about: string,
  opts: { deadlineMs: number; pollStatus: boolean; answers: Array<GatewayOutcome | undefined>; during?: (h: WorkflowHandleWithFirstExecutionRunId) => Promise<void> },
  expect: (calls: string[]) => void,
): Scenario {
  return {
    name,
    about,
    async run({ env, withWorker }) {
      const calls: string[] = [];
      let entered: () => void = () => undefined;
      const expiring = new Promise<void>((r) => (entered = r));
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      const activities: PaymentActivities = {
        async queryPaymentStatus() {
          const answer = opts.answers.shift();
          calls.push(`query:${answer?.status ?? 'unknown'}`);
          return answer;
        },
        async recordPaymentOutcome({ outcome }) {
          calls.push(`record:${outcome.status}`);
          return outcome.status === 'succeeded' ? 'succeeded' : 'failed';
        },
        async expirePayment() {
          if (opts.during) {
            entered();
            await released;
          }
          calls.push('expire');
          return 'expired';
        },
        async noteLateSuccess() {
          calls.push('late-success');
        },
      };
      const paymentId = `pay_replay_${name.replaceAll('-', '_')}`;
      return withWorker(activities, async (taskQueue) => {
        const expiresAt = new Date((await env.currentTimeMs()) + opts.deadlineMs).toISOString();
        const h = await env.client.workflow.start('paymentWorkflow', { taskQueue, workflowId: `payment:${paymentId}`, args: [{ paymentId, expiresAt, pollStatus: opts.pollStatus }] });
        if (opts.during) {
          await env.sleep(opts.deadlineMs);
          check((await Promise.race([expiring.then(() => 'held' as const), realDelay(10_000)])) === 'held', 'the expiry is being written');
          try {
            await opts.during(h);
          } finally {
            release();
          }
        }
        await h.result();
        expect(calls);
        return { workflowId: h.workflowId, firstRunId: h.firstExecutionRunId };
      });
    },
  };
}

export const paymentScenarios: Scenario[] = [
  paymentScenario(
    'payment-status-queries-expire',
    'a card payment with a 3-hour deadline whose callback never comes: status asked 1, 2, 4 … minutes apart (never known), once more at the deadline, then expired',
    { deadlineMs: 3 * 3_600_000, pollStatus: true, answers: [] },
    (calls) => {
      check(calls.at(-1) === 'expire' && calls.filter((c) => c === 'query:unknown').length >= 5, `asked several times, then expired (got ${calls.join()})`);
    },
  ),
  paymentScenario(
    'payment-status-query-succeeds',
    'a card payment whose callback is lost: the third status question answers succeeded, which is recorded',
    { deadlineMs: 24 * 3_600_000, pollStatus: true, answers: [undefined, undefined, { status: 'succeeded', gatewayTransactionId: 'txn-replay-1', code: '00' }] },
    (calls) => check(calls.join() === 'query:unknown,query:unknown,query:succeeded,record:succeeded', `recorded the queried success (got ${calls.join()})`),
  ),
  paymentScenario(
    'payment-late-success',
    'a bank transfer (no status queries) whose success callback arrives while its expiry is written: expired, and the late success noted',
    {
      deadlineMs: 24 * 3_600_000,
      pollStatus: false,
      answers: [],
      during: (h) => h.signal('gatewayOutcome', { status: 'succeeded', gatewayTransactionId: 'txn-replay-2', code: '00' }),
    },
    (calls) => check(calls.join() === 'expire,late-success', `expired, then the late success noted (got ${calls.join()})`),
  ),
];
