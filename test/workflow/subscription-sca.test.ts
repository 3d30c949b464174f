import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Hono } from 'hono';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type pg from 'pg';
import { createActivities } from '../../src/activities/index.js';
import type { AppDeps, AppEnv } from '../../src/api/env.js';
import { payRoutes } from '../../src/api/pay/pay.routes.js';
import { createPayment } from '../../src/api/payments/create-payment.js';
import { type Config, loadConfig } from '../../src/config.js';
import { insertCustomer } from '../../src/db/customers.js';
import { createPool } from '../../src/db/pool.js';
import { insertSubscription } from '../../src/db/subscriptions.js';
import { STATE_CONFLICT } from '../../src/domain/errors.js';
import { buildGateways } from '../../src/gateways/registry.js';
import { recordVerdict, signedCallback } from '../../src/gateways/sandbox/hosted-checkout.js';
import type { GatewayRegistry } from '../../src/gateways/types.js';
import { gatewayOutcomeSignal } from '../../src/workflows/payment.js';
import {
  adminChargeNowSignal,
  adminResumeSignal,
  adminStopSignal,
  chargeNowUpdate,
  disputeLostSignal,
  periodPaidSignal,
  type subscriptionWorkflow,
  subscriptionStateQuery,
} from '../../src/workflows/subscription.js';
import { testEnv } from '../support/env.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';
import { snapshot } from './subscription-harness.js';

const DAY = 86_400_000;

/**
 * SCA on the sandbox (issue 11 §2): the real subscription and payment workflows on the
 * time-skipping server, with the real activities on the run's Postgres and the sandbox's own books.
 * Every assertion reads the ledger (charge_attempts, subscriptions, events, payment_links) or the
 * sandbox's books (sandbox_ledger, sandbox_checkouts).
 */
describe('subscription charge that needs authentication (SCA), time-skipping, real Postgres and sandbox books', () => {
  let env: TestWorkflowEnvironment;
  let pool: pg.Pool;
  let config: Config;
  let gateways: GatewayRegistry;
  let worker: Worker;
  let running: Promise<void>;

  before(async () => {
    env = await createTimeSkippingEnv();
    config = loadConfig({ DATABASE_URL: testEnv.databaseUrl(), TEMPORAL_TASK_QUEUE: `sca-${randomUUID()}`, TOLLGATE_ENV: 'development', LOG_LEVEL: 'silent' });
    pool = createPool(testEnv.databaseUrl(), 4);
    gateways = buildGateways(config, { db: pool });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createActivities({
        pool, temporal: env.client, taskQueue: config.TEMPORAL_TASK_QUEUE, gateways, hookSecret: 'whsec_AA==', hookTimeoutMs: 1000,
        outbound: { allow: config.OUTBOUND_ALLOWED_HOSTS, maxResponseBytes: 65_536 }, publicBaseUrl: config.publicBaseUrl, actionLinkTtlMs: 7 * DAY,
      }),
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await pool?.end();
    await env?.teardown();
  });

  const rows = async <T extends pg.QueryResultRow>(text: string, values: unknown[]) => (await pool.query<T>({ text, values })).rows;
  const attempts = (id: string) => rows<{ period: number; attempt: number; status: string; outcome: string; gateway_code: string | null; payment_id: string | null }>(
    'SELECT period, attempt, status, outcome, gateway_code, payment_id FROM charge_attempts WHERE subscription_id = $1 ORDER BY period, attempt', [id]);
  const books = (id: string) => rows<{ idempotency_key: string; outcome: string; code: string }>(
    'SELECT idempotency_key, outcome, code FROM sandbox_ledger WHERE starts_with(idempotency_key, $1) ORDER BY idempotency_key', [`${id}:`]);
  const events = (id: string) => rows<{ type: string; payload: Record<string, unknown> }>('SELECT type, payload FROM events WHERE aggregate_id = $1 ORDER BY id', [id]);
  const subscriptionRow = async (id: string) => (await rows<{ state: string; stopped_reason: string | null; period: number; next_charge_at: Date | null; payment_method: { token: string } }>(
    'SELECT state, stopped_reason, period, next_charge_at, payment_method FROM subscriptions WHERE id = $1', [id]))[0];

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A subscription (row and workflow) on a card that asks for authentication, due now. */
  async function start() {
    const customerId = `cus_${randomUUID()}`;
    await insertCustomer(pool, { id: customerId, externalRef: customerId, name: 'Jan Kowalski', email: 'jan@example.com' });
    const firstChargeAt = new Date(await env.currentTimeMs()).toISOString();
    const s = snapshot({
      firstChargeAt, amountMinor: 2500, currency: 'EUR', timeZone: 'UTC', schedule: { kind: 'interval', duration: 'P30D' }, mode: 'test',
      paymentMethod: { token: 'sandbox_authentication_required', expires: null }, retryDelaysMs: [15 * 60_000, 6 * 3_600_000],
    });
    s.customerId = customerId;
    await insertSubscription(pool, {
      id: s.subscriptionId, customerId, gateway: 'sandbox', mode: 'test', paymentMethod: s.terms.paymentMethod, amountMinor: 2500n, currency: 'EUR',
      schedule: s.terms.schedule, timeZone: 'UTC', firstChargeAt: new Date(firstChargeAt), endsAt: null, minAmountMinor: null, maxAmountMinor: null,
      retrySchedule: ['PT15M', 'PT6H'], period: 0, nextChargeAt: new Date(firstChargeAt), firstPaymentId: null,
    });
    const handle = await env.client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
      taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: `subscription:${s.subscriptionId}`, args: [s],
    });
    const required = await until('subscription.action_required', async () => (await events(s.subscriptionId)).find((e) => e.type === 'subscription.action_required'));
    return { id: s.subscriptionId, customerId, handle, firstChargeAt, link: required.payload };
  }

  /**
   * The customer pays the link on the sandbox's page: the payment the pay page starts (saveCard,
   * recovers), the payer's Approve booked by the sandbox, and the sandbox's own signed callback,
   * verified by the adapter, delivered to `payment:<id>` as the callback route would.
   */
  async function payLink(sub: { id: string; customerId: string; link: Record<string, unknown> }): Promise<string> {
    const linkId = String(sub.link.payment_link_id);
    // The payment's deadline on the test server's clock, which earlier tests' sleeps moved ahead of
    // the wall clock (a deadline by the wall clock would have passed there already).
    const serverNow = await env.currentTimeMs();
    const payment = await createPayment(
      { gateways, temporal: env.client, config, now: () => new Date(serverNow), pool },
      { customerId: sub.customerId, amountMinor: 2500n, currency: 'EUR', gateway: 'sandbox', description: 'SCA', paymentLinkId: linkId, saveCard: true, recovers: { subscriptionId: sub.id, period: 0 } },
    );
    const booked = await recordVerdict(pool, payment.id, 'approve');
    const sandbox = gateways.get('sandbox');
    const secret = sandbox?.settings.secrets.test;
    assert.ok(sandbox && secret);
    const now = Math.floor(Date.now() / 1000);
    const callback = signedCallback(secret, booked, now);
    const verdict = sandbox.verifyCallback(callback, JSON.parse(callback.body), now);
    assert.ok(verdict.ok && verdict.message.kind === 'payment');
    await env.client.workflow.getHandle(`payment:${payment.id}`).signal(gatewayOutcomeSignal, verdict.message.outcome);
    await until(`payment ${payment.id} succeeded`, async () => (await rows<{ status: string }>('SELECT status FROM payments WHERE id = $1', [payment.id]))[0]?.status === 'succeeded');
    return payment.id;
  }

  it('an action_required charge books no money, puts the subscription past_due with a link, and is never retried off-session', async () => {
    const sub = await start();
    await until('past_due', async () => (await subscriptionRow(sub.id))?.state === 'past_due');
    assert.deepEqual(await attempts(sub.id), [{ period: 0, attempt: 0, status: 'failed', outcome: 'action_required', gateway_code: '1A', payment_id: null }]);
    assert.deepEqual(await books(sub.id), [{ idempotency_key: `${sub.id}:0:0`, outcome: 'action_required', code: '1A' }], 'the sandbox approved nothing');
    const link = (await rows<{ id: string; token: string; customer_id: string; amount_minor: string; currency: string; subscription_id: string; subscription_period: number; expires_at: Date }>(
      'SELECT id, token, customer_id, amount_minor::text, currency, subscription_id, subscription_period, expires_at FROM payment_links WHERE subscription_id = $1', [sub.id]));
    assert.equal(link.length, 1);
    assert.deepEqual({ ...link[0], expires_at: undefined, id: undefined, token: undefined }, {
      customer_id: sub.customerId, amount_minor: '2500', currency: 'EUR', subscription_id: sub.id, subscription_period: 0, expires_at: undefined, id: undefined, token: undefined,
    });
    assert.equal(sub.link.payment_link_id, link[0]?.id);
    assert.equal(sub.link.payment_link_url, `${config.publicBaseUrl}/pay/${link[0]?.token ?? ''}`);
    assert.equal(sub.link.amount, 2500);
    assert.deepEqual((await events(sub.id)).map((e) => e.type), ['subscription.charge_failed', 'subscription.past_due', 'subscription.action_required']);

    // The retry schedule (15 min, 6 h) passes, and two days more: not one more off-session charge.
    await env.sleep(2 * DAY);
    const state = await sub.handle.query(subscriptionStateQuery);
    assert.equal(state.state, 'past_due');
    assert.equal(state.awaitingCustomer?.linkId, link[0]?.id);
    assert.equal((await books(sub.id)).length, 1, 'the card that needs authentication was not charged again');
    assert.equal((await attempts(sub.id)).length, 1);

    // Charge-now is refused while the period waits for its customer (409 at the API).
    await assert.rejects(sub.handle.executeUpdate(chargeNowUpdate, { args: [{}] }), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError);
      assert.equal((err.cause as { type?: string } | undefined)?.type, STATE_CONFLICT);
      return true;
    });
    await sub.handle.terminate('test done');
  });

  it('paying the link charges the period once, stores the new card, schedules the next period, and the next charge uses that card', async () => {
    const sub = await start();
    const paymentId = await payLink(sub);
    const row = await until('active again', async () => {
      const r = await subscriptionRow(sub.id);
      return r?.state === 'active' && r.period === 1 ? r : undefined;
    });
    assert.equal(row.payment_method.token, 'sandbox_approve', "the link's card replaced the one that needed authentication");
    assert.equal(row.next_charge_at?.toISOString(), new Date(Date.parse(sub.firstChargeAt) + 30 * DAY).toISOString());
    assert.deepEqual(await attempts(sub.id), [
      { period: 0, attempt: 0, status: 'failed', outcome: 'action_required', gateway_code: '1A', payment_id: null },
      { period: 0, attempt: 1, status: 'succeeded', outcome: 'success', gateway_code: '00', payment_id: paymentId },
    ]);
    assert.deepEqual(await books(sub.id), [{ idempotency_key: `${sub.id}:0:0`, outcome: 'action_required', code: '1A' }], 'no off-session money for period 0');
    assert.deepEqual(await rows('SELECT outcome FROM sandbox_checkouts WHERE payment_id = $1', [paymentId]), [{ outcome: 'succeeded' }], 'the customer paid on the sandbox page');
    const types = (await events(sub.id)).map((e) => e.type);
    assert.deepEqual(types, ['subscription.charge_failed', 'subscription.past_due', 'subscription.action_required', 'subscription.charged', 'subscription.recovered']);
    const charged = (await events(sub.id)).find((e) => e.type === 'subscription.charged');
    assert.equal(charged?.payload.payment_id, paymentId);
    const state = await sub.handle.query(subscriptionStateQuery);
    assert.equal(state.awaitingCustomer ?? null, null);
    assert.equal(state.terms.paymentMethod.token, 'sandbox_approve');

    // Thirty days on, period 1 is charged off-session with the stored card.
    await env.sleep(30 * DAY + 60_000);
    const booked = await until('period 1 booked', async () => (await books(sub.id)).find((b) => b.idempotency_key === `${sub.id}:1:0`));
    assert.equal(booked.outcome, 'approved');
    await until('period 2', async () => (await subscriptionRow(sub.id))?.period === 2);
    await sub.handle.terminate('test done');
  });

  it('a second payment of the link, a repeated signal and a charge-now racing the payment still charge the period once', async () => {
    const sub = await start();
    // An admin's charge-now (signal and update) while the customer pays: refused, nothing booked.
    const [first, , refused] = await Promise.allSettled([
      payLink(sub),
      sub.handle.signal(adminChargeNowSignal, {}),
      sub.handle.executeUpdate(chargeNowUpdate, { args: [{}] }),
    ]);
    assert.equal(first.status, 'fulfilled');
    const paymentId = first.status === 'fulfilled' ? first.value : '';
    await until('period 0 recorded', async () => (await attempts(sub.id)).some((a) => a.period === 0 && a.status === 'succeeded'));
    // The same success told again, and a second payment of the same link (a customer paying twice).
    await sub.handle.signal(periodPaidSignal, { paymentId, period: 0 });
    const second = await payLink(sub);
    assert.notEqual(second, paymentId);
    await new Promise((r) => setTimeout(r, 1500));

    const succeeded = (await attempts(sub.id)).filter((a) => a.status === 'succeeded');
    assert.deepEqual(succeeded.filter((a) => a.period === 0).map((a) => a.payment_id), [paymentId], 'period 0 charged once, by the first payment');
    assert.equal((await books(sub.id)).filter((b) => b.idempotency_key.startsWith(`${sub.id}:0:`) && b.outcome === 'approved').length, 0, 'no off-session money for period 0');
    // A refused charge-now met the waiting period (409); one that came after the recovery charged
    // period 1, off-session with the link's card. Either way every period has one success at most.
    if (refused.status === 'rejected') assert.ok(refused.reason instanceof WorkflowUpdateFailedError);
    const periods = succeeded.map((a) => a.period);
    assert.deepEqual(periods, [...new Set(periods)], 'no period charged twice');
    const link = (await rows<{ paid_payment_id: string }>('SELECT paid_payment_id FROM payment_links WHERE subscription_id = $1', [sub.id]))[0];
    assert.equal(link?.paid_payment_id, paymentId, 'the link counts its first success only');
    const chargedEvents = (await events(sub.id)).filter((e) => e.type === 'subscription.charged' && e.payload.period === 0);
    assert.equal(chargedEvents.length, 1);
    // The ledger itself refuses a second success for the period.
    await assert.rejects(
      pool.query({
        text: `INSERT INTO charge_attempts (subscription_id, period, attempt, idempotency_key, amount_minor, currency, mode, status, outcome)
               VALUES ($1, 0, 9, $2, 2500, 'EUR', 'test', 'succeeded', 'success')`,
        values: [sub.id, `${sub.id}:0:9`],
      }),
      /charge_attempts_one_success_per_period_idx/,
    );
    await sub.handle.terminate('test done');
  });

  it("an admin's stop and resume move past the waiting period: its link closes, and nothing pays it any more", async () => {
    const sub = await start();
    await sub.handle.signal(adminStopSignal, { reason: 'customer called' });
    await until('admin_stopped', async () => (await subscriptionRow(sub.id))?.state === 'admin_stopped');
    await env.sleep(DAY);
    await sub.handle.signal(adminResumeSignal);
    const row = await until('active in a later period', async () => {
      const r = await subscriptionRow(sub.id);
      return r?.state === 'active' && r.period > 0 ? r : undefined;
    });
    assert.ok(row.next_charge_at && row.next_charge_at.getTime() > Date.parse(sub.firstChargeAt));
    const link = await until('the link closed', async () => {
      const l = (await rows<{ closed_at: Date | null; paid_payment_id: string | null }>('SELECT closed_at, paid_payment_id FROM payment_links WHERE subscription_id = $1', [sub.id]))[0];
      return l?.closed_at ? l : undefined;
    });
    assert.equal(link.paid_payment_id, null);
    assert.equal((await sub.handle.query(subscriptionStateQuery)).awaitingCustomer ?? null, null);
    assert.deepEqual((await attempts(sub.id)).filter((a) => a.status === 'succeeded'), [], 'period 0 was never charged');
    await sub.handle.terminate('test done');
  });

  it('a system stop while the period waits on its link (a lost dispute) closes the link: nothing pays a stopped subscription', async () => {
    const sub = await start();
    await until('past_due', async () => (await subscriptionRow(sub.id))?.state === 'past_due');
    await sub.handle.signal(disputeLostSignal, { disputeId: 'dsp_test', chargeAttemptId: '1' });
    const result = await sub.handle.result();
    assert.deepEqual([result.state, result.stoppedReason, result.awaitingCustomer ?? null], ['system_stopped', 'disputed', null]);
    assert.deepEqual([(await subscriptionRow(sub.id))?.state, (await subscriptionRow(sub.id))?.stopped_reason], ['system_stopped', 'disputed']);
    const link = (await rows<{ token: string; closed_at: Date | null; paid_payment_id: string | null }>('SELECT token, closed_at, paid_payment_id FROM payment_links WHERE subscription_id = $1', [sub.id]))[0];
    assert.ok(link?.closed_at, 'the link is closed for good');
    assert.equal(link.paid_payment_id, null);
    // The pay page, on the same ledger, refuses the closed link.
    const pay = new Hono<AppEnv>();
    pay.use(async (c, next) => {
      c.set('deps', { pool, gateways, config, now: () => new Date() } as unknown as AppDeps);
      await next();
    });
    pay.route('/', payRoutes());
    assert.equal((await pay.request(`/pay/${link.token}`)).status, 410);
    assert.equal((await pay.request(`/pay/${link.token}`, { method: 'POST', body: new URLSearchParams({ gateway: 'sandbox' }) })).status, 410);
    assert.deepEqual(await rows('SELECT id FROM payments WHERE payment_link_id = (SELECT id FROM payment_links WHERE subscription_id = $1)', [sub.id]), []);
  });

  it('a link that expires unpaid closes and stops the subscription (retries exhausted)', async () => {
    const sub = await start();
    await env.sleep(7 * DAY + 10 * 60_000);
    const row = await until('stopped', async () => {
      const r = await subscriptionRow(sub.id);
      return r?.state === 'system_stopped' ? r : undefined;
    });
    assert.equal(row.stopped_reason, 'retries_exhausted');
    const link = (await rows<{ closed_at: Date | null; paid_payment_id: string | null }>('SELECT closed_at, paid_payment_id FROM payment_links WHERE subscription_id = $1', [sub.id]))[0];
    assert.ok(link?.closed_at, 'the link is closed for good');
    assert.equal(link.paid_payment_id, null);
    assert.equal((await books(sub.id)).length, 1);
    await sub.handle.result();
  });
});
