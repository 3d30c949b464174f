import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createRefundActivities } from '../../src/activities/refunds.js';
import { createPool } from '../../src/db/pool.js';
import { createSandboxGateway } from '../../src/gateways/sandbox/gateway.js';
import { refundOutcomeSignal, refundStateQuery, type refundWorkflow, REFUND_STATUS_FIRST_MS, REFUND_STATUS_QUERIES_PER_RUN } from '../../src/workflows/refund.js';
import { testEnv } from '../support/env.js';
import { capturedSandboxPayment, refundOf, sandboxSettings } from '../support/refund-fixtures.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

/**
 * The refund workflow on the time-skipping server with its real activities: refunds in the test
 * database, sent to the real sandbox gateway, whose books (sandbox_refunds) the assertions read.
 * The sandbox's test amounts pick the gateway's behaviour (…13 declines, …14 loses the answer,
 * …15 answers pending).
 */
describe('refund workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let pool: pg.Pool;
  before(async () => {
    env = await createTimeSkippingEnv();
    pool = createPool(testEnv.databaseUrl(), 4);
  });
  after(async () => {
    await pool?.end();
    await env?.teardown();
  });

  async function run(refundId: string, during?: (handle: Awaited<ReturnType<typeof env.client.workflow.start<typeof refundWorkflow>>>) => Promise<void>) {
    const taskQueue = `tq-${randomUUID()}`;
    const gateway = createSandboxGateway({ db: pool, settings: sandboxSettings(), toleranceSeconds: 300, publicBaseUrl: 'http://127.0.0.1' });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createRefundActivities({ pool, gateways: new Map([['sandbox', gateway]]), temporal: env.client, taskQueue }),
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof refundWorkflow>('refundWorkflow', { taskQueue, workflowId: `refund:${refundId}`, args: [{ refundId }] });
      if (during) await during(handle);
      return handle.result();
    });
  }

  const refundRow = async (id: string) => (await pool.query('SELECT status, gateway_refund_id, gateway_code, completed_at FROM refunds WHERE id = $1', [id])).rows[0];
  const paymentHeld = async (id: string) => (await pool.query<{ refunded_minor: bigint }>('SELECT refunded_minor FROM payments WHERE id = $1', [id])).rows[0]?.refunded_minor;
  const books = async (refundId: string) => (await pool.query('SELECT outcome, code, amount_minor, refund_id FROM sandbox_refunds WHERE idempotency_key = $1', [`refund:${refundId}`])).rows;
  const eventTypes = async (aggregateId: string) => (await pool.query('SELECT type, payload FROM events WHERE aggregate_id = $1 ORDER BY id', [aggregateId])).rows;

  it('refunds through the gateway once, by the refund key, and records it succeeded with payment.refunded', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const refund = await refundOf(pool, payment.id, 2000n);
    const state = await run(refund.id);
    assert.deepEqual([state.status, state.gatewayCalls, state.statusQueries, state.outcomeSource], ['succeeded', 1, 0, 'call']);
    const booked = await books(refund.id);
    assert.equal(booked.length, 1);
    assert.deepEqual([booked[0].outcome, booked[0].amount_minor], ['succeeded', 2000n]);
    const row = await refundRow(refund.id);
    assert.equal(row.status, 'succeeded');
    assert.equal(row.gateway_refund_id, booked[0].refund_id);
    assert.equal(await paymentHeld(payment.id), 2000n);
    assert.deepEqual((await eventTypes(refund.id)).map((e) => e.type), ['refund.created', 'refund.succeeded']);
    const refunded = (await eventTypes(payment.id)).filter((e) => e.type === 'payment.refunded');
    assert.equal(refunded.length, 1);
    assert.deepEqual([refunded[0].payload.refunded_amount, refunded[0].payload.full], [2000, false]);
  });

  it('records a declined refund failed and gives its amount back to the payment', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const refund = await refundOf(pool, payment.id, 1013n);
    assert.equal(await paymentHeld(payment.id), 1013n, 'held while the refund is pending');
    const state = await run(refund.id);
    assert.deepEqual([state.status, state.gatewayCalls], ['failed', 1]);
    assert.deepEqual((await books(refund.id)).map((b) => [b.outcome, b.code]), [['failed', 'refund_declined']]);
    assert.equal((await refundRow(refund.id)).gateway_code, 'refund_declined');
    assert.equal(await paymentHeld(payment.id), 0n);
    assert.deepEqual((await eventTypes(refund.id)).map((e) => e.type), ['refund.created', 'refund.failed']);
    assert.equal((await eventTypes(payment.id)).filter((e) => e.type === 'payment.refunded').length, 0);
  });

  it('resolves a lost answer by asking refundStatus with the same key, never by sending a new one', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const refund = await refundOf(pool, payment.id, 1014n);
    const state = await run(refund.id);
    assert.deepEqual([state.status, state.gatewayCalls, state.statusQueries, state.outcomeSource], ['succeeded', 1, 1, 'status_query']);
    const booked = await books(refund.id);
    assert.equal(booked.length, 1, 'one booking: the key was sent once');
    assert.equal((await pool.query('SELECT count(*)::int AS n FROM sandbox_refunds WHERE transaction_id = $1', [payment.gateway_transaction_id])).rows[0].n, 1);
    assert.equal((await refundRow(refund.id)).gateway_refund_id, booked[0].refund_id);
    assert.equal(await paymentHeld(payment.id), 1014n);
  });

  it('waits on a pending answer and takes the outcome the gateway\'s callback signals', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const refund = await refundOf(pool, payment.id, 1015n);
    const state = await run(refund.id, async (handle) => {
      // The pending answer is in once the workflow has made its call; the signal comes before the first status question.
      for (let i = 0; i < 200 && (await handle.query(refundStateQuery)).gatewayCalls === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
      await handle.signal(refundOutcomeSignal, { status: 'pending' });
      await handle.signal(refundOutcomeSignal, { status: 'succeeded', gatewayRefundId: 'from-callback', code: 'refunded' });
      await handle.signal(refundOutcomeSignal, { status: 'failed', gatewayRefundId: 'second-callback' });
    });
    assert.deepEqual([state.status, state.gatewayCalls, state.statusQueries, state.outcomeSource], ['succeeded', 1, 0, 'callback']);
    assert.equal((await refundRow(refund.id)).gateway_refund_id, 'from-callback');
    assert.equal((await books(refund.id)).length, 1);
  });

  it('without a callback, resolves a pending answer by the status question a minute later', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const refund = await refundOf(pool, payment.id, 1015n);
    const started = await env.currentTimeMs();
    const state = await run(refund.id);
    assert.deepEqual([state.status, state.statusQueries, state.outcomeSource], ['succeeded', 1, 'status_query']);
    assert.ok((await env.currentTimeMs()) - started >= REFUND_STATUS_FIRST_MS, 'asked only after the first backoff');
  });

  it('keeps asking a refund the gateway reports pending for days, continuing as new, until its callback comes', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const refund = await refundOf(pool, payment.id, 1016n);
    let firstRun = '';
    const state = await run(refund.id, async (handle) => {
      firstRun = (await handle.describe()).runId;
      // Three days of workflow time: a minute, doubling, then an hour between questions.
      await env.sleep(72 * 3_600_000);
      const waiting = await handle.query(refundStateQuery);
      assert.equal(waiting.status, 'pending');
      assert.ok(waiting.statusQueries > REFUND_STATUS_QUERIES_PER_RUN, `asked ${waiting.statusQueries} times`);
      assert.notEqual((await handle.describe()).runId, firstRun, 'the run continued as new');
      await handle.signal(refundOutcomeSignal, { status: 'succeeded', gatewayRefundId: 'cb', code: 'refunded' });
    });
    assert.deepEqual([state.status, state.gatewayCalls, state.outcomeSource], ['succeeded', 1, 'callback']);
    assert.equal((await books(refund.id)).length, 1, 'sent once, by one key, across runs');
    assert.equal((await refundRow(refund.id)).status, 'succeeded');
  });
});
