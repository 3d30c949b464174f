import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { createDisputeActivities } from '../../src/activities/disputes.js';
import { loadConfig } from '../../src/config.js';
import { claimChargeAttempt } from '../../src/db/charge-attempts.js';
import { insertCustomer } from '../../src/db/customers.js';
import { createPool } from '../../src/db/pool.js';
import { insertCreatedPayment } from '../../src/db/payments.js';
import { insertSubscription } from '../../src/db/subscriptions.js';
import { buildGateways } from '../../src/gateways/registry.js';
import type { GatewayRegistry } from '../../src/gateways/types.js';
import { disputeWorkflowId } from '../../src/temporal/workflow-ids.js';
import { disputeStateQuery, disputeUpdateSignal, type DisputeUpdateSignal, type disputeWorkflow } from '../../src/workflows/dispute.js';
import { subscriptionStateQuery } from '../../src/workflows/subscription.js';
import { testEnv } from '../support/env.js';
import { gatewayEnv, sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';
import { createTimeSkippingEnv } from '../support/time-skipping.js';
import { fakeSubscriptionActivities, runWithWorker, snapshot, startSubscription } from './subscription-harness.js';

/**
 * The dispute workflow with its real activity on the run's Postgres (rows and events are asserted
 * from there), beside the real subscription workflow (its own activities faked, as in the
 * subscription tests: what it would write is kept and asserted).
 */
describe('dispute workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let pool: pg.Pool;
  let gateways: GatewayRegistry;
  before(async () => {
    env = await createTimeSkippingEnv();
    pool = createPool(testEnv.databaseUrl(), 3);
    const file = writeGatewaysFile([sandboxEntry(), sandboxEntry({ name: 'sandbox_keep', on_lost_dispute: 'keep_subscription' })]);
    gateways = buildGateways(loadConfig({ ...gatewayEnv, TOLLGATE_ENV: 'development', TOLLGATE_GATEWAYS_FILE: file }), { db: pool });
  });
  after(async () => {
    await env?.teardown();
    await pool?.end();
  });

  async function customer(): Promise<string> {
    const id = `cus_${randomUUID()}`;
    await insertCustomer(pool, { id, externalRef: `ext-${id}`, name: 'Jan Kowalski', email: null });
    return id;
  }

  async function payment(gateway = 'sandbox'): Promise<{ paymentId: string; customerId: string }> {
    const customerId = await customer();
    const paymentId = `pay_${randomUUID()}`;
    await insertCreatedPayment(pool, {
      id: paymentId, customerId, amountMinor: 1815n, currency: 'PLN', gateway, mode: 'test', description: 'Internet', reference: `R${randomUUID().slice(0, 20)}`,
      expiresAt: new Date(Date.now() + 3_600_000), adapter: 'sandbox', settlement: 'immediate', paymentExpirationMs: null, lateSuccess: 'refund',
    });
    return { paymentId, customerId };
  }

  /** A subscription row with one charged attempt, and the snapshot its workflow starts from (charging far ahead). */
  async function chargedSubscription(gateway: string) {
    const customerId = await customer();
    const s = { ...snapshot({ firstChargeAt: '2099-01-01T08:00:00.000Z', gateway }), customerId };
    await insertSubscription(pool, {
      id: s.subscriptionId, customerId, gateway, mode: 'test', paymentMethod: { token: 'sandbox_approve', expires: null }, amountMinor: 4999n, currency: 'PLN',
      schedule: { kind: 'monthly', day: 1 }, timeZone: 'Europe/Warsaw', firstChargeAt: new Date('2026-11-01T08:00:00Z'), endsAt: null, minAmountMinor: null,
      maxAmountMinor: null, retrySchedule: [], period: 1, nextChargeAt: new Date('2099-01-01T08:00:00Z'), firstPaymentId: null,
    });
    const key = `${s.subscriptionId}:0:0`;
    await claimChargeAttempt(pool, { subscriptionId: s.subscriptionId, period: 0, attempt: 0, key, amountMinor: 4999n, currency: 'PLN', mode: 'test' });
    const attempt = (await pool.query<{ id: string }>('SELECT id::text AS id FROM charge_attempts WHERE idempotency_key = $1', [key])).rows[0]?.id;
    assert.ok(attempt);
    return { s, chargeAttemptId: attempt };
  }

  const update = (over: Partial<DisputeUpdateSignal> & Pick<DisputeUpdateSignal, 'gatewayDisputeId' | 'status'>): DisputeUpdateSignal => ({
    gateway: 'sandbox', amountMinor: '1815', currency: 'PLN', reason: 'fraudulent', paymentId: null, chargeAttemptId: null, journalId: `in_${randomUUID()}`, ...over,
  });

  /** Signal-with-start, as the callback relay delivers every dispute callback. */
  function deliver(taskQueue: string, u: DisputeUpdateSignal) {
    return env.client.workflow.signalWithStart<typeof disputeWorkflow, [DisputeUpdateSignal]>('disputeWorkflow', {
      taskQueue,
      workflowId: disputeWorkflowId(u.gateway, u.gatewayDisputeId),
      args: [{ gateway: u.gateway, gatewayDisputeId: u.gatewayDisputeId }],
      signal: disputeUpdateSignal,
      signalArgs: [u],
    });
  }

  const disputeRows = async (gateway: string, gatewayDisputeId: string) =>
    (await pool.query<{ id: string; status: string; amount_minor: string; closed_at: Date | null; payment_id: string | null; charge_attempt_id: string | null; customer_id: string }>(
      'SELECT id, status, amount_minor::text, closed_at, payment_id, charge_attempt_id::text, customer_id FROM disputes WHERE gateway = $1 AND gateway_dispute_id = $2',
      [gateway, gatewayDisputeId],
    )).rows;
  const eventsOf = async (aggregateId: string) =>
    (await pool.query<{ type: string; payload: Record<string, unknown> }>("SELECT type, payload FROM events WHERE aggregate_id = $1 AND type LIKE 'payment.dispute%' ORDER BY id", [aggregateId])).rows;

  it('open then won: a row and payment.disputed, then the row closed won with payment.dispute_closed; the workflow ends', async () => {
    const { paymentId, customerId } = await payment();
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const result = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'open', paymentId }));
      await handle.signal(disputeUpdateSignal, update({ gatewayDisputeId, status: 'won', paymentId }));
      return handle.result();
    });
    assert.equal(result.status, 'won');
    assert.equal(result.updatesRecorded, 2);
    const rows = await disputeRows('sandbox', gatewayDisputeId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, 'won');
    assert.equal(rows[0]?.amount_minor, '1815');
    assert.equal(rows[0]?.payment_id, paymentId);
    assert.equal(rows[0]?.customer_id, customerId);
    assert.ok(rows[0]?.closed_at);
    const events = await eventsOf(paymentId);
    assert.deepEqual(events.map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
    assert.deepEqual(
      { id: events[0]?.payload.dispute_id, amount: events[0]?.payload.amount, reason: events[0]?.payload.reason, payment: events[0]?.payload.payment_id },
      { id: rows[0]?.id, amount: 1815, reason: 'fraudulent', payment: paymentId },
    );
    assert.equal(events[1]?.payload.outcome, 'won');
    assert.equal(events[1]?.payload.subscription_action, null);
  });

  it('open then lost of a charge attempt stops its subscription as system_stopped, reason disputed', async () => {
    const { s, chargeAttemptId } = await chargedSubscription('sandbox');
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const { dispute, sub } = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const subscription = await startSubscription(env, tq, s);
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'open', chargeAttemptId, amountMinor: '4999' }));
      await handle.signal(disputeUpdateSignal, update({ gatewayDisputeId, status: 'lost', chargeAttemptId, amountMinor: '4999' }));
      return { dispute: await handle.result(), sub: await subscription.result() };
    });
    assert.equal(dispute.status, 'lost');
    assert.equal(dispute.stoppedSubscriptionId, s.subscriptionId);
    assert.equal(sub.state, 'system_stopped');
    assert.equal(sub.stoppedReason, 'disputed');
    assert.equal(sub.stoppedBy, 'system');
    const stopped = fake.writes.flatMap((w) => w.events).find((e) => e.type === 'subscription.stopped');
    assert.deepEqual(stopped?.payload.reason, 'disputed');
    assert.match(String(stopped?.payload.detail), new RegExp(`charge attempt ${chargeAttemptId}`));
    assert.equal(fake.writes.at(-1)?.state, 'system_stopped');
    const events = await eventsOf(s.subscriptionId);
    assert.deepEqual(events.map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
    assert.equal(events[1]?.payload.charge_attempt_id, chargeAttemptId);
    assert.equal(events[1]?.payload.subscription_action, 'stop');
  });

  it('lost of a payment that paid a period on its SCA link stops that subscription as system_stopped, reason disputed', async () => {
    const { s } = await chargedSubscription('sandbox');
    // Period 1 paid by the customer on its link: an attempt naming the link's payment, no gateway intent of its own.
    const paymentId = `pay_${randomUUID()}`;
    await insertCreatedPayment(pool, {
      id: paymentId, customerId: s.customerId, amountMinor: 4999n, currency: 'PLN', gateway: 'sandbox', mode: 'test', description: 'Period 1',
      reference: `R${randomUUID().slice(0, 20)}`, expiresAt: new Date(Date.now() + 3_600_000), adapter: 'sandbox', settlement: 'immediate',
      paymentExpirationMs: null, lateSuccess: 'refund',
    });
    await pool.query("UPDATE payments SET status = 'succeeded' WHERE id = $1", [paymentId]);
    const linkAttempt = (await pool.query<{ id: string }>(
      `INSERT INTO charge_attempts (subscription_id, period, attempt, idempotency_key, amount_minor, currency, mode, status, outcome, payment_id, completed_at)
       VALUES ($1, 1, 0, $2, 4999, 'PLN', 'test', 'succeeded', 'success', $3, now()) RETURNING id::text AS id`,
      [s.subscriptionId, `${s.subscriptionId}:1:link`, paymentId],
    )).rows[0]?.id;
    assert.ok(linkAttempt);
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const { dispute, sub } = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const subscription = await startSubscription(env, tq, s);
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'open', paymentId, amountMinor: '4999' }));
      await handle.signal(disputeUpdateSignal, update({ gatewayDisputeId, status: 'lost', paymentId, amountMinor: '4999' }));
      const result = await handle.result();
      // Unstopped, the subscription would charge on for ever under the skipping clock: ended here.
      if (result.stoppedSubscriptionId === null) await subscription.terminate('not stopped');
      return { dispute: result, sub: result.stoppedSubscriptionId === null ? undefined : await subscription.result() };
    });
    assert.equal(dispute.status, 'lost');
    assert.equal(dispute.stoppedSubscriptionId, s.subscriptionId);
    assert.equal(sub?.state, 'system_stopped');
    assert.equal(sub?.stoppedReason, 'disputed');
    const stopped = fake.writes.flatMap((w) => w.events).find((e) => e.type === 'subscription.stopped');
    assert.match(String(stopped?.payload.detail), new RegExp(`charge attempt ${linkAttempt}`));
    const rows = await disputeRows('sandbox', gatewayDisputeId);
    assert.deepEqual([rows[0]?.payment_id, rows[0]?.charge_attempt_id, rows[0]?.status], [paymentId, null, 'lost']);
    const events = await eventsOf(paymentId);
    assert.deepEqual(events.map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
    assert.equal(events[1]?.payload.subscription_id, s.subscriptionId);
    assert.equal(events[1]?.payload.subscription_action, 'stop');
  });

  it('lost through a gateway with on_lost_dispute: keep_subscription leaves the subscription charging', async () => {
    const { s, chargeAttemptId } = await chargedSubscription('sandbox_keep');
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const { dispute, history } = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const subscription = await startSubscription(env, tq, s);
      const handle = await deliver(tq, update({ gateway: 'sandbox_keep', gatewayDisputeId, status: 'open', chargeAttemptId }));
      await handle.signal(disputeUpdateSignal, update({ gateway: 'sandbox_keep', gatewayDisputeId, status: 'lost', chargeAttemptId }));
      const result = await handle.result();
      // Waiting on the dispute lets the test server skip ahead through the subscription's charges
      // (it charges on, and may continue as new): what it was told is in its runs' histories.
      await env.client.workflow.getHandle(subscription.workflowId).terminate('test over').catch(() => undefined);
      const events = [];
      for (let runId: string | null | undefined = subscription.firstExecutionRunId; runId; ) {
        const h = await env.client.workflow.getHandle(subscription.workflowId, runId).fetchHistory();
        events.push(...(h.events ?? []));
        runId = h.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      }
      return { dispute: result, history: { events } };
    });
    assert.equal(dispute.status, 'lost');
    assert.equal(dispute.stoppedSubscriptionId, null);
    const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    assert.deepEqual(signals, [], 'the subscription was never told to stop');
    assert.equal(fake.writes.flatMap((w) => w.events).filter((e) => e.type === 'subscription.stopped').length, 0);
    const events = await eventsOf(s.subscriptionId);
    assert.equal(events[1]?.payload.subscription_action, 'keep');
  });

  it('duplicates and a close before the open end right: one row, lost, each event once; a closed dispute never reopens', async () => {
    const { paymentId } = await payment();
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const activities = { ...fake.activities, ...createDisputeActivities({ pool, gateways }) };
    const first = await runWithWorker(env, activities, async (tq) => {
      // The close overtook the open (gateways do not promise order), then both are repeated.
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'lost', paymentId }));
      await deliver(tq, update({ gatewayDisputeId, status: 'lost', paymentId }));
      await deliver(tq, update({ gatewayDisputeId, status: 'open', paymentId }));
      await handle.result();
      // The repeats may have reached this run or started another: wait for the latest.
      return env.client.workflow.getHandle(handle.workflowId).result();
    });
    assert.equal(first.status, 'lost');
    // After that run ended, a late open and a contradicting close start a new run: nothing changes.
    const second = await runWithWorker(env, activities, async (tq) => {
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'open', paymentId }));
      const st = await handle.result();
      const again = await deliver(tq, update({ gatewayDisputeId, status: 'won', paymentId }));
      return { st, won: await again.result() };
    });
    assert.equal(second.st.status, 'lost');
    assert.equal(second.won.status, 'lost');
    const rows = await disputeRows('sandbox', gatewayDisputeId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, 'lost');
    const events = await eventsOf(paymentId);
    assert.deepEqual(events.map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
    assert.equal(events[1]?.payload.outcome, 'lost');
    assert.equal(events[1]?.payload.subscription_action, null, 'a one-time payment has no subscription to stop');
  });

  it('a lost dispute that arrives during a charge stops the subscription as soon as that charge ends', async () => {
    const { s, chargeAttemptId } = await chargedSubscription('sandbox');
    s.nextChargeAt = new Date(await env.currentTimeMs()).toISOString();
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities([], { holdCharges: true });
    const sub = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const subscription = await startSubscription(env, tq, s);
      await fake.charging;
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'lost', chargeAttemptId }));
      await handle.result();
      const during = await subscription.query(subscriptionStateQuery);
      assert.equal(during.state, 'charging', 'the charge in flight is not cut short');
      fake.release();
      return subscription.result();
    });
    assert.equal(sub.state, 'system_stopped');
    assert.equal(sub.stoppedReason, 'disputed');
    assert.equal(fake.charges.length, 1);
    assert.equal(sub.period, 1, 'the charge in flight completed its period before the stop');
  });

  it('a gateway repeating itself at length: the run continues as new carrying what it has not recorded yet, and still ends right', async () => {
    const { paymentId } = await payment();
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const { result, runs } = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'open', paymentId }));
      for (let i = 0; i < 80; i += 1) await handle.signal(disputeUpdateSignal, update({ gatewayDisputeId, status: 'open', paymentId }));
      await handle.signal(disputeUpdateSignal, update({ gatewayDisputeId, status: 'lost', paymentId }));
      const result = await handle.result();
      let runs = 0;
      for (let runId: string | null | undefined = handle.signaledRunId; runId; runs += 1) {
        const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      }
      return { result, runs };
    });
    assert.equal(result.status, 'lost');
    assert.ok(runs >= 2, `82 updates took ${runs} run(s): it continues as new when long`);
    assert.equal((await disputeRows('sandbox', gatewayDisputeId))[0]?.status, 'lost');
    assert.deepEqual((await eventsOf(paymentId)).map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
  });

  it('a retried record of the loss (its first answer lost) still asks for the subscription stop, and appends nothing twice', async () => {
    const { s, chargeAttemptId } = await chargedSubscription('sandbox');
    const activities = createDisputeActivities({ pool, gateways });
    const lost = update({ gatewayDisputeId: `dp_${randomUUID()}`, status: 'lost', chargeAttemptId });
    const first = await activities.recordDisputeUpdate(lost);
    const retry = await activities.recordDisputeUpdate(lost);
    assert.deepEqual([first.opened, first.closed, retry.opened, retry.closed], [true, true, false, false]);
    assert.deepEqual(retry.stopSubscription, { subscriptionId: s.subscriptionId, chargeAttemptId });
    assert.deepEqual(retry.stopSubscription, first.stopSubscription);
    assert.deepEqual((await eventsOf(s.subscriptionId)).map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
  });

  it('answers its state while open', async () => {
    const { paymentId } = await payment();
    const gatewayDisputeId = `dp_${randomUUID()}`;
    const fake = fakeSubscriptionActivities();
    const state = await runWithWorker(env, { ...fake.activities, ...createDisputeActivities({ pool, gateways }) }, async (tq) => {
      const handle = await deliver(tq, update({ gatewayDisputeId, status: 'open', paymentId }));
      for (;;) {
        const st = await handle.query(disputeStateQuery);
        if (st.updatesRecorded === 1) {
          await handle.terminate('test over');
          return st;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    assert.equal(state.status, 'open');
    assert.equal((await disputeRows('sandbox', gatewayDisputeId))[0]?.id, state.disputeId);
  });
});
