import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../src/activities/index.js';
import { STATE_CONFLICT } from '../../src/domain/errors.js';
import type { FinalPaymentStatus } from '../../src/domain/payment.js';
import { cancelPaymentUpdate, gatewayOutcomeSignal, type paymentWorkflow } from '../../src/workflows/payment.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

type All = ReturnType<typeof createActivities>;
type Activities = Pick<All, 'recordPaymentOutcome' | 'expirePayment' | 'cancelPayment' | 'endGatewayCheckout' | 'noteLateSuccess'> & Partial<Pick<All, 'queryPaymentStatus'>>;

/** Fake activities of the real types that record what the workflow asked for, in order. */
function recordingActivities(opts: { endCheckout?: () => Promise<void> } = {}) {
  const calls: string[] = [];
  const activities: Activities = {
    async recordPaymentOutcome({ outcome }): Promise<FinalPaymentStatus> {
      calls.push(`record:${outcome.status}`);
      return outcome.status;
    },
    async expirePayment(): Promise<FinalPaymentStatus> {
      calls.push('expire');
      return 'expired';
    },
    async cancelPayment({ by, reason }): Promise<FinalPaymentStatus> {
      calls.push(`cancel:${by}:${reason ?? ''}`);
      return 'canceled';
    },
    async endGatewayCheckout() {
      calls.push('endCheckout');
      await opts.endCheckout?.();
      return 'ended';
    },
    async noteLateSuccess({ outcome }) {
      calls.push(`late:${outcome.gatewayTransactionId ?? ''}`);
    },
  };
  return { activities, calls };
}

describe('payment workflow: cancel (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function run<T>(activities: Activities, fn: (start: (opts?: { ttlMs?: number; pollStatus?: boolean }) => ReturnType<typeof startPayment>) => Promise<T>): Promise<T> {
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    return worker.runUntil(fn((opts) => startPayment(taskQueue, opts)));
  }

  async function startPayment(taskQueue: string, opts: { ttlMs?: number; pollStatus?: boolean } = {}) {
    const paymentId = `pay_${randomUUID()}`;
    return env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', {
      taskQueue,
      workflowId: `payment:${paymentId}`,
      args: [{ paymentId, expiresAt: new Date((await env.currentTimeMs()) + (opts.ttlMs ?? 3_600_000)).toISOString(), pollStatus: opts.pollStatus ?? false }],
    });
  }

  it('a cancel of a pending payment answers canceled once it is written, then ends the checkout', async () => {
    const { activities, calls } = recordingActivities();
    const { answer, result } = await run(activities, async (start) => {
      const handle = await start();
      const answer = await handle.executeUpdate(cancelPaymentUpdate, { args: [{ by: 'key_1', reason: 'duplicate' }] });
      return { answer, result: await handle.result() };
    });
    assert.equal(answer.status, 'canceled');
    assert.equal(result.status, 'canceled');
    assert.deepEqual(calls, ['cancel:key_1:duplicate', 'endCheckout']);
  });

  it('a cancel after the outcome was taken changes nothing and answers the status the outcome gave', async () => {
    const { activities, calls } = recordingActivities();
    const answer = await run(activities, async (start) => {
      const handle = await start();
      await handle.signal(gatewayOutcomeSignal, { status: 'succeeded', gatewayTransactionId: 't1' });
      return handle.executeUpdate(cancelPaymentUpdate, { args: [{ by: 'key_1' }] }).catch((err: unknown) => err);
    });
    // Either the workflow already wrote it (the validator refuses) or it answers after the write.
    if (answer instanceof WorkflowUpdateFailedError) {
      assert.ok(answer.cause instanceof ApplicationFailure && answer.cause.type === STATE_CONFLICT, String(answer.cause));
      assert.match(answer.cause.message, /the payment is succeeded/);
    } else if (answer && typeof answer === 'object' && 'status' in answer) {
      assert.equal(answer.status, 'succeeded');
    } else {
      assert.fail(`unexpected answer ${String(answer)}`);
    }
    assert.deepEqual(calls, ['record:succeeded']);
  });

  it('a success that reaches the workflow after the cancel was written is a late success; a second cancel is refused', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let entered: () => void = () => undefined;
    const ending = new Promise<void>((r) => (entered = r));
    const { activities, calls } = recordingActivities({ endCheckout: async () => { entered(); await held; } });
    const { second, result } = await run(activities, async (start) => {
      const handle = await start();
      await handle.executeUpdate(cancelPaymentUpdate, { args: [{ by: 'key_1' }] });
      await ending;
      await handle.signal(gatewayOutcomeSignal, { status: 'succeeded', gatewayTransactionId: 'paid-anyway' });
      const second = await handle.executeUpdate(cancelPaymentUpdate, { args: [{ by: 'key_2' }] }).catch((err: unknown) => err);
      release();
      return { second, result: await handle.result() };
    });
    assert.ok(second instanceof WorkflowUpdateFailedError);
    assert.ok(second.cause instanceof ApplicationFailure && second.cause.type === STATE_CONFLICT);
    assert.match(second.cause.message, /the payment is canceled/);
    assert.equal(result.status, 'canceled');
    assert.deepEqual(calls, ['cancel:key_1:', 'endCheckout', 'late:paid-anyway']);
  });

  it('a gateway that never ends its checkout leaves the payment canceled: the ending is best effort', async () => {
    let tries = 0;
    const { activities, calls } = recordingActivities({
      endCheckout: async () => {
        tries += 1;
        throw new Error('gateway unreachable');
      },
    });
    const result = await run(activities, async (start) => {
      const handle = await start();
      await handle.executeUpdate(cancelPaymentUpdate, { args: [{ by: 'key_1' }] });
      return handle.result();
    });
    assert.equal(result.status, 'canceled');
    assert.ok(tries > 1, `retried (${tries} tries) before giving up`);
    assert.equal(calls[0], 'cancel:key_1:');
  });

  it("a cancel that arrives while the deadline's last status question is asked changes nothing: the payment expires", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let asked: () => void = () => undefined;
    const asking = new Promise<void>((r) => (asked = r));
    const { activities, calls } = recordingActivities();
    activities.queryPaymentStatus = async () => {
      asked();
      await held;
      return undefined;
    };
    const { answer, result } = await run(activities, async (start) => {
      const handle = await start({ ttlMs: 60_000, pollStatus: true });
      await env.sleep(60_000); // skips the test server's clock to the deadline
      await asking;
      const update = handle.executeUpdate(cancelPaymentUpdate, { args: [{ by: 'key_1' }] });
      // The update is accepted (the payment is still pending) before the question is answered.
      await new Promise((r) => setTimeout(r, 300));
      release();
      return { answer: await update, result: await handle.result() };
    });
    assert.equal(answer.status, 'expired');
    assert.equal(result.status, 'expired');
    assert.deepEqual(calls, ['expire']);
  });
});
