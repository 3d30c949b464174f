import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../src/activities/index.js';
import type { FinalPaymentStatus, GatewayOutcome } from '../../src/domain/payment.js';
import { gatewayOutcomeSignal, paymentStateQuery, type paymentWorkflow } from '../../src/workflows/payment.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

type Activities = Pick<ReturnType<typeof createActivities>, 'recordPaymentOutcome' | 'expirePayment'>;

/** Fake activities of the real type that record what the workflow asked for. */
function recordingActivities() {
  const calls: Array<{ name: keyof Activities; paymentId: string; outcome?: GatewayOutcome; at: number }> = [];
  const activities: Activities = {
    async recordPaymentOutcome({ paymentId, outcome }): Promise<FinalPaymentStatus> {
      calls.push({ name: 'recordPaymentOutcome', paymentId, outcome, at: Date.now() });
      return outcome.status;
    },
    async expirePayment({ paymentId }): Promise<FinalPaymentStatus> {
      calls.push({ name: 'expirePayment', paymentId, at: Date.now() });
      return 'expired';
    },
  };
  return { activities, calls };
}

describe('payment workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  /** Deadlines on the test server's clock, which time-skipping moves ahead of the wall clock. */
  async function deadlineIn(ms: number): Promise<string> {
    return new Date((await env.currentTimeMs()) + ms).toISOString();
  }

  async function withWorker<T>(activities: Activities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    return worker.runUntil(fn(taskQueue));
  }

  it('records the gateway outcome delivered by signal, and only the first one', async () => {
    const { activities, calls } = recordingActivities();
    const paymentId = `pay_${randomUUID()}`;
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', {
        taskQueue,
        workflowId: `payment:${paymentId}`,
        args: [{ paymentId, expiresAt: await deadlineIn(30 * 24 * 3_600_000) }],
      });
      await handle.signal(gatewayOutcomeSignal, { status: 'succeeded', gatewayTransactionId: 'txn-1', code: '00' });
      await handle.signal(gatewayOutcomeSignal, { status: 'failed', gatewayTransactionId: 'txn-2', code: '05' });
      return handle.result();
    });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(
      calls.map((c) => [c.name, c.paymentId, c.outcome?.gatewayTransactionId]),
      [['recordPaymentOutcome', paymentId, 'txn-1']],
    );
  });

  it('records a decline as failed', async () => {
    const { activities, calls } = recordingActivities();
    const paymentId = `pay_${randomUUID()}`;
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', {
        taskQueue,
        workflowId: `payment:${paymentId}`,
        args: [{ paymentId, expiresAt: await deadlineIn(30 * 24 * 3_600_000) }],
      });
      const before = await handle.query(paymentStateQuery);
      assert.equal(before.status, 'pending');
      await handle.signal(gatewayOutcomeSignal, { status: 'failed', code: '05', message: 'Do not honour' });
      return handle.result();
    });
    assert.equal(result.status, 'failed');
    assert.equal(calls[0]?.outcome?.message, 'Do not honour');
  });

  it('sleeps through 31 days of workflow time in seconds and expires the payment at its deadline', async (t) => {
    const { activities, calls } = recordingActivities();
    const paymentId = `pay_${randomUUID()}`;
    const startedAt = await env.currentTimeMs();
    const deadline = new Date(startedAt + 31 * 24 * 3_600_000);
    const wallStart = Date.now();
    const result = await withWorker(activities, async (taskQueue) =>
      env.client.workflow.execute<typeof paymentWorkflow>('paymentWorkflow', {
        taskQueue,
        workflowId: `payment:${paymentId}`,
        args: [{ paymentId, expiresAt: deadline.toISOString() }],
      }),
    );
    const wallMs = Date.now() - wallStart;
    const workflowMs = (await env.currentTimeMs()) - startedAt;
    assert.equal(result.status, 'expired');
    assert.deepEqual(calls.map((c) => c.name), ['expirePayment']);
    assert.ok(workflowMs >= 31 * 24 * 3_600_000, `workflow time advanced ${workflowMs} ms`);
    t.diagnostic(`31 days of workflow time took ${wallMs} ms of wall time`);
  });
});
