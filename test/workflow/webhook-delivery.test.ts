import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createWebhookActivities } from '../../src/activities/webhook-deliveries.js';
import { rawEvent } from '../support/raw-event.js';
import { createPool } from '../../src/db/pool.js';
import { insertDeliveriesForEvents } from '../../src/db/webhook-deliveries.js';
import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_DELAYS_MS, WEBHOOK_RETRY_JITTER } from '../../src/domain/webhook-schedule.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { EndpointLimiter } from '../../src/webhooks/endpoint-limiter.js';
import type { webhookDeliveryWorkflow } from '../../src/workflows/webhook-delivery.js';
import { testEnv } from '../support/env.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';
import { deleteEndpoints, endpointFor, eventWithDelivery } from '../support/webhook-fixtures.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

/**
 * The delivery workflow on the time-skipping server with its real activity: real HTTP to a real
 * receiver on loopback (allowed by the outbound rule as OUTBOUND_ALLOWED_HOSTS would), the test
 * database for the rows. The schedule is read from the workflow's own clock, which skips.
 */
describe('webhook delivery workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let pool: pg.Pool;
  const receivers: Receiver[] = [];
  const endpoints: string[] = [];
  before(async () => {
    env = await createTimeSkippingEnv();
    pool = createPool(testEnv.databaseUrl(), 4);
  });
  after(async () => {
    await deleteEndpoints(pool, endpoints);
    for (const r of receivers) await r.close();
    await pool?.end();
    await env?.teardown();
  });

  async function setup(answer: Receiver['answer']) {
    const receiver = await startReceiver(answer);
    receivers.push(receiver);
    const type = `test.${randomUUID()}`;
    const endpoint = await endpointFor(pool, receiver.url, [type]);
    endpoints.push(endpoint.id);
    const d = await eventWithDelivery(pool, type, endpoint.id);
    return { receiver, endpoint, ...d };
  }

  async function run(deliveryId: string, runNo: number) {
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createWebhookActivities({ pool, outboundAllow: parseOutboundAllowlist('127.0.0.1'), webhookTimeoutMs: 5000, limiter: new EndpointLimiter(4) }),
    });
    return worker.runUntil(env.client.workflow.execute<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      taskQueue, workflowId: `webhook-delivery:${deliveryId}:${runNo}`, args: [{ deliveryId, run: runNo }],
    }));
  }

  const delivery = async (id: string) => (await pool.query('SELECT status, attempts, last_status_code, last_error, next_attempt_at, completed_at FROM webhook_deliveries WHERE id = $1', [id])).rows[0];
  const attempts = async (id: string) => (await pool.query('SELECT attempt, status_code, error, response_excerpt, latency_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt', [id])).rows;
  const endpointRow = async (id: string) => (await pool.query('SELECT enabled, disabled_reason, disabled_at, failing_since FROM webhook_endpoints WHERE id = $1', [id])).rows[0];
  const disabledEvents = async (id: string) => (await pool.query("SELECT payload FROM events WHERE type = 'webhook_endpoint.disabled' AND aggregate_id = $1", [id])).rows;

  /** Each wait between attempts lies within the schedule's jitter (plus a little for the HTTP calls themselves). */
  function assertSchedule(at: string[]) {
    for (let i = 1; i < at.length; i += 1) {
      const gap = Date.parse(at[i] ?? '') - Date.parse(at[i - 1] ?? '');
      const base = WEBHOOK_RETRY_DELAYS_MS[i - 1] ?? 0;
      assert.ok(gap >= base * (1 - WEBHOOK_RETRY_JITTER) && gap <= base * (1 + WEBHOOK_RETRY_JITTER) + 2000, `wait ${i}: ${gap} ms, schedule ${base} ms ±10 %`);
    }
  }

  it('two executions of one attempt that race both answer what the first to log decided, never canceled', async () => {
    const { deliveryId } = await setup(() => ({ status: 500, delayMs: 200 }));
    const activities = createWebhookActivities({ pool, outboundAllow: parseOutboundAllowlist('127.0.0.1'), webhookTimeoutMs: 5000, limiter: new EndpointLimiter(4) });
    const input = { deliveryId, run: 1, attempt: 1, retryInMs: 5000 };
    const outcomes = await Promise.all([activities.attemptWebhookDelivery(input), activities.attemptWebhookDelivery(input)]);
    assert.deepEqual(outcomes.map((o) => o.kind), ['retry', 'retry'], JSON.stringify(outcomes));
    assert.equal((await attempts(deliveryId)).length, 1, 'the attempt is logged once');
    assert.equal((await delivery(deliveryId)).status, 'pending', 'the delivery waits for its next attempt');
  });

  it('fans an event out to an endpoint created in the same microsecond, never to one created after it', async () => {
    const type = `test.${randomUUID()}`;
    const same = await endpointFor(pool, 'http://127.0.0.1:9/same', [type]);
    const later = await endpointFor(pool, 'http://127.0.0.1:9/later', [type]);
    endpoints.push(same.id, later.id);
    const eventId = await rawEvent(pool, { type, aggregateType: 'test', aggregateId: `t_${randomUUID()}`, payload: {} });
    // Microseconds a JS Date would drop: the endpoint is not after the event, however it is read.
    await pool.query(`UPDATE events SET created_at = '2026-01-01T00:00:00.000900Z' WHERE id = $1`, [eventId]);
    await pool.query(`UPDATE webhook_endpoints SET created_at = '2026-01-01T00:00:00.000900Z' WHERE id = $1`, [same.id]);
    await pool.query(`UPDATE webhook_endpoints SET created_at = '2026-01-01T00:00:00.000901Z' WHERE id = $1`, [later.id]);
    await insertDeliveriesForEvents(pool, [{ id: eventId }]);
    await insertDeliveriesForEvents(pool, [{ id: eventId }]);
    const rows = (await pool.query('SELECT endpoint_id FROM webhook_deliveries WHERE event_id = $1', [eventId])).rows;
    assert.deepEqual(rows.map((r) => r.endpoint_id), [same.id], 'one delivery, to the endpoint that existed, once');
  });

  it('follows the schedule while the receiver fails, succeeds when it recovers, and clears failing_since', async () => {
    const { receiver, endpoint, deliveryId, run: r } = await setup((n) => (n <= 3 ? { status: 503, body: 'down for maintenance' } : { status: 204 }));
    const state = await run(deliveryId, r);
    assert.deepEqual([state.status, state.attempts, receiver.received.length], ['succeeded', 4, 4]);
    assertSchedule(state.attemptsAt);
    const rows = await attempts(deliveryId);
    assert.deepEqual(rows.map((a) => [a.attempt, a.status_code, a.error]), [[1, 503, 'http_status'], [2, 503, 'http_status'], [3, 503, 'http_status'], [4, 204, null]]);
    assert.equal(rows[0].response_excerpt, 'down for maintenance');
    const d = await delivery(deliveryId);
    assert.deepEqual([d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at], ['succeeded', 4, 204, null, null]);
    assert.ok(d.completed_at instanceof Date);
    assert.equal((await endpointRow(endpoint.id)).failing_since, null);
  });

  it('stops at 410 Gone and disables the endpoint with webhook_endpoint.disabled in the same transaction', async () => {
    const { receiver, endpoint, deliveryId, run: r } = await setup(() => ({ status: 410 }));
    const state = await run(deliveryId, r);
    assert.deepEqual([state.status, state.attempts, receiver.received.length], ['failed', 1, 1]);
    const e = await endpointRow(endpoint.id);
    assert.deepEqual([e.enabled, e.disabled_reason], [false, 'gone']);
    const events = await disabledEvents(endpoint.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].payload, {
      endpoint_id: endpoint.id, url: new URL(receiver.url).origin, reason: 'gone', failing_since: e.failing_since.toISOString(), disabled_at: e.disabled_at.toISOString(),
    });
    assert.equal((await delivery(deliveryId)).status, 'failed');
  });

  it('gives up after the last attempt of the schedule (about 27 h) as failed', async () => {
    const { receiver, deliveryId, run: r } = await setup(() => ({ status: 500 }));
    const state = await run(deliveryId, r);
    assert.deepEqual([state.status, state.attempts, receiver.received.length], ['failed', WEBHOOK_MAX_ATTEMPTS, WEBHOOK_MAX_ATTEMPTS]);
    assertSchedule(state.attemptsAt);
    const span = Date.parse(state.attemptsAt.at(-1) ?? '') - Date.parse(state.attemptsAt[0] ?? '');
    assert.ok(span > 24 * 3_600_000 && span < 31 * 3_600_000, `span ${span} ms`);
    const d = await delivery(deliveryId);
    assert.deepEqual([d.status, d.attempts, d.last_status_code, d.next_attempt_at], ['failed', WEBHOOK_MAX_ATTEMPTS, 500, null]);
    assert.equal((await attempts(deliveryId)).length, WEBHOOK_MAX_ATTEMPTS);
  });

  it('stops (canceled) when the endpoint is disabled between attempts, without posting again', async () => {
    let endpointId = '';
    const { receiver, deliveryId, run: r, endpoint } = await setup(async () => {
      // The API disables it while the first attempt is answered.
      await pool.query(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'user', disabled_at = now() WHERE id = $1`, [endpointId]);
      return { status: 500 };
    });
    endpointId = endpoint.id;
    const state = await run(deliveryId, r);
    assert.deepEqual([state.status, state.attempts, receiver.received.length], ['canceled', 1, 1]);
    const d = await delivery(deliveryId);
    assert.deepEqual([d.status, d.attempts, d.next_attempt_at], ['canceled', 1, null]);
  });

  it('disables an endpoint that has failed everything for five days (failing)', async () => {
    const { endpoint, deliveryId, run: r } = await setup(() => ({ status: 502 }));
    await pool.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 hour' WHERE id = $1`, [endpoint.id]);
    const state = await run(deliveryId, r);
    assert.deepEqual([state.status, state.attempts], ['failed', 1]);
    const e = await endpointRow(endpoint.id);
    assert.deepEqual([e.enabled, e.disabled_reason], [false, 'failing']);
    const events = await disabledEvents(endpoint.id);
    assert.deepEqual([events.length, events[0].payload.reason, events[0].payload.failing_since], [1, 'failing', e.failing_since.toISOString()]);
  });

  it('keeps failing_since of an endpoint failing for less than five days and retries', async () => {
    const { endpoint, deliveryId, run: r } = await setup((n) => (n === 1 ? { status: 500 } : { status: 200, body: 'x'.repeat(100_000) }));
    await pool.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '4 days' WHERE id = $1`, [endpoint.id]);
    const state = await run(deliveryId, r);
    assert.deepEqual([state.status, state.attempts], ['succeeded', 2], 'a 2xx with a large body is a success');
    const rows = await attempts(deliveryId);
    assert.equal(rows[1].response_excerpt.length, 4096, 'the first 4 KB are kept');
    const e = await endpointRow(endpoint.id);
    assert.deepEqual([e.enabled, e.failing_since], [true, null]);
  });
});
