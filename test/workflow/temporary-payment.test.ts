import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../src/activities/index.js';
import {
  bankMatchedSignal,
  settleUpdate,
  temporaryPaymentStateQuery,
  type temporaryPaymentWorkflow,
  unsettleUpdate,
} from '../../src/workflows/temporary-payment.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

type Activities = Pick<ReturnType<typeof createActivities>, 'settleTemporaryPayment' | 'unsettleTemporaryPayment'>;
const DAY = 86_400_000;

/** The update was refused by the workflow's validator with a StateConflict saying why. */
async function refusedWith(update: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(update, (err: unknown) => {
    assert.ok(err instanceof WorkflowUpdateFailedError);
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'StateConflict');
    assert.match(err.cause.message, reason);
    return true;
  });
}

/** Fake activities of the real type that record what the workflow asked for, on the test server's clock. */
function recordingActivities(env: TestWorkflowEnvironment) {
  const calls: Array<{ name: string; reason?: string; lineId?: string | undefined; expiresAt?: string | null; at: number }> = [];
  const activities: Activities = {
    async settleTemporaryPayment({ reason, lineId }) {
      calls.push({ name: 'settle', reason, lineId, at: await env.currentTimeMs() });
      return { status: 'settled' as const, settledReason: reason, bankLineId: lineId ?? null };
    },
    async unsettleTemporaryPayment({ expiresAt }) {
      calls.push({ name: 'unsettle', expiresAt, at: await env.currentTimeMs() });
      return { status: 'open' as const, settledReason: null, bankLineId: null };
    },
  };
  return { activities, calls };
}

describe('temporary payment workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function withWorker<T>(activities: Activities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    return worker.runUntil(fn(taskQueue));
  }

  const ids = () => {
    const temporaryPaymentId = `tmp_${randomUUID()}`;
    return { temporaryPaymentId, workflowId: `temporary-payment:${temporaryPaymentId}` };
  };

  it('settles itself with reason expired after payment_expiration (5 days), not before', async () => {
    const { activities, calls } = recordingActivities(env);
    const { temporaryPaymentId, workflowId } = ids();
    const start = await env.currentTimeMs();
    const expiresAt = new Date(start + 5 * DAY).toISOString();
    const result = await withWorker(activities, (taskQueue) =>
      env.client.workflow.execute<typeof temporaryPaymentWorkflow>('temporaryPaymentWorkflow', {
        taskQueue,
        workflowId,
        args: [{ temporaryPaymentId, expiresAt, expirationMs: 5 * DAY }],
      }),
    );
    assert.equal(result.status, 'settled');
    assert.equal(result.settledReason, 'expired');
    assert.deepEqual(calls.map((c) => [c.name, c.reason]), [['settle', 'expired']]);
    assert.ok((calls[0]?.at ?? 0) >= start + 5 * DAY, 'not before the fifth day');
  });

  it('with payment_expiration never it stays open through a year, until the bank settles it', async () => {
    const { activities, calls } = recordingActivities(env);
    const { temporaryPaymentId, workflowId } = ids();
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof temporaryPaymentWorkflow>('temporaryPaymentWorkflow', {
        taskQueue,
        workflowId,
        args: [{ temporaryPaymentId, expiresAt: null, expirationMs: null }],
      });
      await env.sleep(365 * DAY);
      const state = await handle.query(temporaryPaymentStateQuery);
      assert.equal(state.status, 'open');
      assert.equal(state.expiresAt, null);
      await handle.signal(bankMatchedSignal, { lineId: 'bln_1' });
      return handle.result();
    });
    assert.equal(result.settledReason, 'bank');
    assert.equal(result.bankLineId, 'bln_1');
    assert.deepEqual(calls.map((c) => [c.name, c.reason, c.lineId]), [['settle', 'bank', 'bln_1']]);
  });

  it('settles by hand, refuses a second settle, and unsettle re-arms the expiry clock from then', async () => {
    const { activities, calls } = recordingActivities(env);
    const { temporaryPaymentId, workflowId } = ids();
    const start = await env.currentTimeMs();
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof temporaryPaymentWorkflow>('temporaryPaymentWorkflow', {
        taskQueue,
        workflowId,
        args: [{ temporaryPaymentId, expiresAt: new Date(start + 5 * DAY).toISOString(), expirationMs: 5 * DAY }],
      });
      await refusedWith(handle.executeUpdate(unsettleUpdate, { args: [{ actor: 'key_1' }] }), /only a settled one can be unsettled/);
      const settled = await handle.executeUpdate(settleUpdate, { args: [{ actor: 'key_1', note: 'seen in the bank portal' }] });
      assert.deepEqual([settled.status, settled.settledReason, settled.expiresAt], ['settled', 'manual', null]);
      await refusedWith(handle.executeUpdate(settleUpdate, { args: [{ actor: 'key_1' }] }), /settled \(manual\)/);
      // A hand-settled payment has no clock: ten days pass and nothing happens.
      await env.sleep(10 * DAY);
      assert.equal((await handle.query(temporaryPaymentStateQuery)).status, 'settled');
      const reopened = await handle.executeUpdate(unsettleUpdate, { args: [{ actor: 'key_1' }] });
      assert.equal(reopened.status, 'open');
      return handle.result();
    });
    assert.deepEqual(calls.map((c) => [c.name, c.reason]), [['settle', 'manual'], ['unsettle', undefined], ['settle', 'expired']]);
    const unsettledAt = calls[1]?.at ?? 0;
    const rearmed = Date.parse(calls[1]?.expiresAt ?? '');
    assert.ok(unsettledAt >= start + 10 * DAY);
    assert.ok(Math.abs(rearmed - (unsettledAt + 5 * DAY)) < 60_000, 'the new expiry is five days after the unsettle');
    assert.ok((calls[2]?.at ?? 0) >= rearmed, 'expired on the re-armed clock, not the first one');
    assert.equal(result.settledReason, 'expired');
  });

  it('a bank match arriving with the expiry already due settles it exactly once, by the bank', async () => {
    const { activities, calls } = recordingActivities(env);
    const { temporaryPaymentId, workflowId } = ids();
    const now = await env.currentTimeMs();
    const result = await withWorker(activities, async (taskQueue) => {
      // Start and signal in one request: the first workflow task sees the due expiry and the match together.
      const handle = await env.client.workflow.signalWithStart<typeof temporaryPaymentWorkflow, [{ lineId: string }]>('temporaryPaymentWorkflow', {
        taskQueue,
        workflowId,
        args: [{ temporaryPaymentId, expiresAt: new Date(now).toISOString(), expirationMs: 5 * DAY }],
        signal: bankMatchedSignal,
        signalArgs: [{ lineId: 'bln_race' }],
      });
      await handle.signal(bankMatchedSignal, { lineId: 'bln_second' }).catch(() => undefined);
      return handle.result();
    });
    assert.equal(result.settledReason, 'bank');
    assert.equal(result.bankLineId, 'bln_race');
    assert.deepEqual(calls.map((c) => [c.name, c.reason]), [['settle', 'bank']]);
  });

  it('reports the bank settlement when its expiry finds a matched line whose signal is still on the way', async () => {
    const { activities, calls } = recordingActivities(env);
    // Postgres (the activity) finds a statement line matched to it and settles by the bank instead.
    activities.settleTemporaryPayment = async ({ reason }) => {
      calls.push({ name: 'settle', reason, at: await env.currentTimeMs() });
      return { status: 'settled' as const, settledReason: 'bank' as const, bankLineId: 'bln_in_flight' };
    };
    const { temporaryPaymentId, workflowId } = ids();
    const result = await withWorker(activities, async (taskQueue) =>
      env.client.workflow.execute<typeof temporaryPaymentWorkflow>('temporaryPaymentWorkflow', {
        taskQueue,
        workflowId,
        args: [{ temporaryPaymentId, expiresAt: new Date((await env.currentTimeMs()) + DAY).toISOString(), expirationMs: DAY }],
      }),
    );
    assert.deepEqual(calls.map((c) => c.reason), ['expired'], 'asked once, for the expiry');
    assert.deepEqual([result.settledReason, result.bankLineId], ['bank', 'bln_in_flight']);
  });
});
