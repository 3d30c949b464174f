import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import {
  changeTermsUpdate,
  chargeNowUpdate,
  paymentMethodUpdate,
  reactivateUpdate,
  resumeUpdate,
  stopUpdate,
  subscriptionStateQuery,
} from '../../src/workflows/subscription.js';
import { testEnv } from '../support/env.js';
import { quietRuntime } from '../support/time-skipping.js';
import { fakeSubscriptionActivities, runWithWorker, snapshot, startSubscription, type WorkflowServer } from './subscription-harness.js';

/**
 * Updates and admin actions, on the run's real dev server (workflow code real, activities faked).
 * They need no timers to fire, and the Java test server's update support is partial.
 */
describe('subscription workflow updates (dev server)', () => {
  let server: WorkflowServer;
  let connection: Connection;
  before(async () => {
    quietRuntime();
    connection = await Connection.connect({ address: testEnv.temporalAddress() });
    server = { client: new Client({ connection }), nativeConnection: await NativeConnection.connect({ address: testEnv.temporalAddress() }) };
  });
  after(async () => {
    await server?.nativeConnection.close();
    await connection?.close();
  });

  it('follows REMP stop/reactivate rules through updates, answering conflicts with their reason', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2030-01-01T08:00:00.000Z' });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      const conflict = async (p: Promise<unknown>, pattern: RegExp) => {
        await assert.rejects(p, (err: unknown) => {
          assert.ok(err instanceof WorkflowUpdateFailedError);
          assert.equal((err.cause as { type?: string }).type, 'StateConflict');
          assert.match(String(err.cause?.message), pattern);
          return true;
        });
      };
      await conflict(h.executeUpdate(reactivateUpdate, { args: [] }), /only a subscription stopped by its user/);
      assert.equal((await h.executeUpdate(stopUpdate, { args: [{ by: 'user' }] })).state, 'user_stopped');
      await conflict(h.executeUpdate(stopUpdate, { args: [{ by: 'user' }] }), /already user_stopped/);
      await conflict(h.executeUpdate(resumeUpdate, { args: [] }), /only an admin-stopped/);
      assert.equal((await h.executeUpdate(reactivateUpdate, { args: [] })).state, 'active');
      assert.equal((await h.executeUpdate(stopUpdate, { args: [{ by: 'admin' }] })).state, 'admin_stopped');
      await conflict(h.executeUpdate(reactivateUpdate, { args: [] }), /only a subscription stopped by its user/);
      await conflict(h.executeUpdate(stopUpdate, { args: [{ by: 'user' }] }), /stopped by an administrator/);
      assert.equal((await h.executeUpdate(resumeUpdate, { args: [] })).state, 'active');
      await h.terminate('test done');
    });
    assert.equal(fake.charges.length, 0);
    assert.deepEqual(fake.events(), ['subscription.stopped', 'subscription.reactivated', 'subscription.stopped', 'subscription.reactivated']);
  });

  it('charges now on request, applies an amount change from the next period, and keeps its run while the history is short', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2030-01-01T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 1 } });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      const firstRun = (await h.describe()).runId;
      const afterCharge = await h.executeUpdate(chargeNowUpdate, { args: [{}] });
      assert.equal(afterCharge.period, 1);
      assert.equal(afterCharge.nextChargeAt, '2030-02-01T08:00:00.000Z');
      await h.executeUpdate(changeTermsUpdate, { args: [{ amount: 7999 }] });
      const state = await h.query(subscriptionStateQuery);
      assert.equal((await h.describe()).runId, firstRun, 'a charged period no longer continues as new by itself');
      assert.equal(state.period, 1);
      assert.equal(state.terms.amountMinor, 7999);
      assert.equal(state.terms.anchorAt, '2030-01-01T08:00:00.000Z');
      await h.executeUpdate(chargeNowUpdate, { args: [{}] });
      await h.terminate('test done');
    });
    assert.deepEqual(fake.charges.map((c) => [c.period, c.amountMinor]), [[0, 4999], [1, 7999]]);
  });

  it('writes a recovery event once when a handler changed the subscription during the charge that wrote it', async () => {
    const fake = fakeSubscriptionActivities([], { holdCharges: true });
    const s = snapshot({ firstChargeAt: '2030-01-01T08:00:00.000Z', timeZone: 'UTC', state: 'past_due' });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      await h.signal('adminChargeNow', {});
      await fake.charging;
      try {
        // The charge's transaction writes the next period and `subscription.recovered`; this
        // change makes the workflow write the state again afterwards — without the events.
        await h.executeUpdate(paymentMethodUpdate, { args: [{ token: 'sandbox_approve_2', expires: null }] });
      } finally {
        fake.release();
      }
      await waitForState(() => h.query(subscriptionStateQuery), 'active');
      await h.terminate('test done');
    });
    assert.equal(fake.charges.length, 1);
    assert.deepEqual(fake.events().filter((t) => t === 'subscription.recovered'), ['subscription.recovered']);
    assert.equal(fake.writes.at(-1)?.paymentMethod.token, 'sandbox_approve_2', "the handler's change was written after the charge");
  });

  it('answers a repeated charge request from its log after the run continued as new, never charging twice', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2030-01-01T00:00:00.000Z', schedule: { kind: 'automatic' } });
    const keepMs = 86_400_000;
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      const firstRun = (await h.describe()).runId;
      const first = await h.executeUpdate(chargeNowUpdate, { args: [{ amount: 1000, requestId: 'req-0', keepMs }] });
      // Charge until the history is long enough for the run to continue as new.
      let n = 1;
      for (; n < 60 && (await h.describe()).runId === firstRun; n++) {
        await h.executeUpdate(chargeNowUpdate, { args: [{ amount: 1000 + n, requestId: `req-${n}`, keepMs }] });
      }
      assert.notEqual((await h.describe()).runId, firstRun, `still one run after ${n} charges`);
      assert.ok(n > 5, `continued as new after ${n} charges, not after each`);
      const repeat = await h.executeUpdate(chargeNowUpdate, { args: [{ amount: 1000, requestId: 'req-0', keepMs }] });
      assert.deepEqual(repeat, first, 'the new run answers the first request from the log it carried');
      await h.terminate('test done');
      assert.deepEqual(fake.charges.map((c) => [c.period, c.amountMinor]), Array.from({ length: n }, (_, i) => [i, 1000 + i]), 'each request charged once');
    });
  });

  it('charges an automatic subscription only when asked, with the amount asked', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2027-01-01T00:00:00.000Z', schedule: { kind: 'automatic' }, maxAmountMinor: 10_000 });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      assert.equal((await h.query(subscriptionStateQuery)).nextChargeAt, null, 'no timer of its own');
      assert.equal(fake.charges.length, 0);
      await h.executeUpdate(chargeNowUpdate, { args: [{ amount: 1234 }] });
      await assert.rejects(h.executeUpdate(chargeNowUpdate, { args: [{ amount: 20_000 }] }), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError);
        assert.match(String(err.cause?.message), /above the maximum/);
        return true;
      });
      await h.terminate('test done');
    });
    assert.deepEqual(fake.charges.map((c) => c.amountMinor), [1234]);
  });

  it('takes a stop that arrives during a charge and applies it as soon as the charge ends', async () => {
    const fake = fakeSubscriptionActivities([], { holdCharges: true });
    const s = snapshot({ firstChargeAt: '2030-01-01T08:00:00.000Z', timeZone: 'UTC' });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      await h.signal('adminChargeNow', {});
      await fake.charging;
      try {
        const accepted = await h.executeUpdate(stopUpdate, { args: [{ by: 'user', reason: 'moving out' }] });
        assert.equal(accepted.state, 'charging');
        assert.deepEqual(accepted.pendingStop, { by: 'user', reason: 'moving out' });
        await assert.rejects(h.executeUpdate(stopUpdate, { args: [{ by: 'user' }] }), (err: unknown) => {
          assert.ok(err instanceof WorkflowUpdateFailedError);
          assert.match(String(err.cause?.message), /already pending/);
          return true;
        });
      } finally {
        fake.release(); // else the worker waits for the held charge for ever
      }
      const stopped = await waitForState(() => h.query(subscriptionStateQuery), 'user_stopped');
      assert.equal(stopped.period, 1, 'the charge in flight completed its period first');
      assert.equal(stopped.stoppedReason, 'user_request');
      await h.terminate('test done');
    });
    assert.equal(fake.charges.length, 1);
    assert.deepEqual(fake.events().slice(-1), ['subscription.stopped']);
  });

  it('takes a stop that arrives while the amount hook is asked, and then charges nothing', async () => {
    const fake = fakeSubscriptionActivities([], { holdHook: true });
    fake.hookAnswers.push({ kind: 'amount', amountMinor: 2500 });
    const s = snapshot({ firstChargeAt: '2030-01-01T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 1, amount_hook: 'https://billing.example/amount' } });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      await h.signal('adminChargeNow', {});
      await fake.charging;
      try {
        const accepted = await h.executeUpdate(stopUpdate, { args: [{ by: 'user' }] });
        assert.deepEqual(accepted.pendingStop, { by: 'user' });
      } finally {
        fake.release();
      }
      const stopped = await waitForState(() => h.query(subscriptionStateQuery), 'user_stopped');
      assert.equal(stopped.period, 0, 'the period was not charged');
      await h.terminate('test done');
    });
    assert.equal(fake.charges.length, 0, 'nothing reached the gateway');
  });

  it('obeys operator signals typed into the Temporal UI as plain JSON', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2030-01-01T08:00:00.000Z', timeZone: 'UTC' });
    await runWithWorker(server, fake.activities, async (tq) => {
      const h = await startSubscription(server, tq, s);
      await h.signal('adminStop', { reason: 'fraud review' });
      const stopped = await waitForState(() => h.query(subscriptionStateQuery), 'admin_stopped');
      assert.equal(stopped.stoppedBy, 'admin');
      await h.signal('adminResume');
      await waitForState(() => h.query(subscriptionStateQuery), 'active');
      await h.signal('adminChargeNow', {});
      const charged = await waitFor(async () => {
        const st = await h.query(subscriptionStateQuery);
        return st.period === 1 ? st : undefined;
      });
      assert.equal(charged.nextChargeAt, '2030-02-01T08:00:00.000Z');
      await h.terminate('test done');
    });
    assert.deepEqual(fake.charges.map((c) => c.period), [0]);
    assert.deepEqual(fake.writes.flatMap((w) => w.events.map((e) => [e.type, 'by' in e.payload ? e.payload.by : null])).slice(0, 2), [['subscription.stopped', 'admin'], ['subscription.reactivated', 'admin']]);
  });
});

async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in 10 s');
}

async function waitForState<T extends { state: string }>(read: () => Promise<T>, state: string): Promise<T> {
  return waitFor(async () => {
    const v = await read();
    return v.state === state ? v : undefined;
  });
}
