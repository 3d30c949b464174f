import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createActivities } from '../../src/activities/index.js';
import { createApp } from '../../src/api/create-app.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createTemporalClient } from '../../src/temporal/connection.js';
import { testEnv } from '../support/env.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';

describe('service basics', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('answers /healthz and /readyz with both dependencies up', async () => {
    const health = await stack.request('GET', '/healthz', { key: null });
    assert.equal(health.status, 200);
    const ready = await stack.request('GET', '/readyz', { key: null });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('answers /readyz 503 naming Temporal when it is unreachable', async () => {
    const temporal = createTemporalClient({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_NAMESPACE: 'default' });
    const app = createApp({ ...stack.deps, temporal });
    const res = await app.request('/readyz');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'unavailable', checks: { postgres: 'ok', temporal: 'down' } });
    await temporal.connection.close().catch(() => undefined);
  });

  it('serves Prometheus metrics with request counts by route template', async () => {
    await stack.request('GET', '/healthz', { key: null });
    const res = await stack.request('GET', '/metrics', { key: null });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(res.text, /tollgate_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(res.text, /tollgate_process_cpu_seconds_total/);
  });

  it('closes /metrics in production until METRICS_TOKEN is set, then answers only its bearer', async () => {
    const production = (METRICS_TOKEN?: string) => createApp({ ...stack.deps, config: { ...stack.deps.config, TOLLGATE_ENV: 'production', METRICS_TOKEN } });
    const closed = await production().request('/metrics');
    assert.equal(closed.status, 404);
    assert.equal(closed.headers.get('content-type'), 'application/problem+json');
    const problem = (await closed.json()) as { code: string; detail: string };
    assert.deepEqual([problem.code, problem.detail], ['not_found', 'set METRICS_TOKEN to expose metrics']);
    const token = 'production-metrics-token-0123456789';
    const guarded = production(token);
    assert.equal((await guarded.request('/metrics')).status, 401);
    const ok = await guarded.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /tollgate_process_cpu_seconds_total/);
  });

  it('publishes an OpenAPI document generated from the route schemas, and Swagger UI', async () => {
    const doc = await stack.request('GET', '/openapi.json', { key: null });
    assert.equal(doc.status, 200);
    for (const path of ['/v1/customers', '/v1/payments', '/v1/payments/{id}', '/v1/events', '/v1/callbacks/{gateway}', '/healthz', '/readyz']) {
      assert.ok(doc.json.paths[path], `${path} is documented`);
    }
    assert.deepEqual(doc.json.components.schemas.CreatePayment.required.sort(), ['amount', 'currency', 'customer_id', 'gateway']);
    assert.equal(doc.json.components.securitySchemes.bearerAuth.scheme, 'bearer');
    const docs = await stack.request('GET', '/docs', { key: null });
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger-ui/i);
  });

  it('gives every response a request id, and echoes a sane one the caller sent', async () => {
    const mine = await stack.request('GET', '/healthz', { key: null, headers: { 'x-request-id': 'req-abc-123' } });
    assert.equal(mine.headers.get('x-request-id'), 'req-abc-123');
    const problem = await stack.request('GET', '/v1/payments/nope');
    assert.equal(problem.status, 404);
    assert.equal(problem.json.request_id, problem.headers.get('x-request-id'));
  });

  it('authenticates API keys by hash and enforces scopes', async () => {
    const none = await stack.request('GET', '/v1/events', { key: null });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('content-type'), 'application/problem+json');
    const wrong = await stack.request('GET', '/v1/events', { key: 'tg_not_a_key' });
    assert.equal(wrong.status, 401);

    const minted = await stack.request('POST', '/v1/api-keys', { body: { name: 'reporting', scopes: ['read'] } });
    assert.equal(minted.status, 201);
    const readKey: string = minted.json.key;
    const stored = await stack.pool.query('SELECT key_hash, scopes FROM api_keys WHERE id = $1', [minted.json.id]);
    assert.notEqual(stored.rows[0].key_hash, readKey, 'only the hash is stored');
    assert.match(stored.rows[0].key_hash, /^[0-9a-f]{64}$/);

    assert.equal((await stack.request('GET', '/v1/events', { key: readKey })).status, 200);
    const forbidden = await stack.request('POST', '/v1/customers', { key: readKey, body: { external_ref: randomUUID(), name: 'X' } });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json.code, 'forbidden');
    const billingOnly = await stack.request('POST', '/v1/api-keys', { body: { name: 'billing', scopes: ['billing'] } });
    const notAdmin = await stack.request('POST', '/v1/api-keys', { key: billingOnly.json.key, body: { name: 'sneaky', scopes: ['admin'] } });
    assert.equal(notAdmin.status, 403);
  });

  it('refuses an oversized API body with 413 problem+json', async () => {
    const res = await stack.request('POST', '/v1/customers', { body: { external_ref: 'x', name: 'y'.repeat(300_000) } });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
  });

  it('pages the event feed with an opaque cursor, each event once', async () => {
    const customer = await createCustomer(stack);
    await createPayment(stack, customer.id);
    await createPayment(stack, customer.id);
    const first = await stack.request('GET', '/v1/events?after=0&limit=1');
    assert.equal(first.json.data.length, 1);
    assert.equal(typeof first.json.next_cursor, 'string');
    const ids: number[] = [first.json.data[0].id];
    let cursor: string = first.json.next_cursor;
    let caughtUp = false;
    for (let pages = 0; pages < 100 && !caughtUp; pages += 1) {
      const page = await stack.request('GET', `/v1/events?after=${cursor}&limit=1000`);
      assert.equal(page.status, 200, page.text);
      ids.push(...page.json.data.map((e: { id: number }) => e.id));
      if (page.json.data.length === 0) {
        assert.equal(page.json.next_cursor, null, 'caught up: nothing after the cursor');
        caughtUp = true;
      } else {
        cursor = page.json.next_cursor;
      }
    }
    assert.ok(caughtUp);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
  });

  it('expirePayment (real Postgres) expires a pending payment once, with its event', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const activities = createActivities({ pool: stack.pool, temporal: stack.deps.temporal, gateways: stack.deps.gateways, hookSecret: 'whsec_AA==', hookTimeoutMs: 1000, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, outbound: { allow: parseOutboundAllowlist(''), maxResponseBytes: 65_536 }, publicBaseUrl: stack.config.publicBaseUrl, actionLinkTtlMs: 86_400_000 });
    assert.equal(await activities.expirePayment({ paymentId: payment.id }), 'expired');
    assert.equal(await activities.expirePayment({ paymentId: payment.id }), 'expired', 'a retry is harmless');
    assert.equal(
      await activities.recordPaymentOutcome({ paymentId: payment.id, outcome: { status: 'succeeded' } }),
      'expired',
      'a late outcome does not overwrite a final state',
    );
    const events = await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.expired']);
  });
});

describe('migrations', () => {
  it('are applied once when two processes start at the same time', async () => {
    const name = `mig_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client({ connectionString: testEnv.postgresAdminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = testEnv.postgresAdminUrl().replace(/\/postgres$/, `/${name}`);
    const [a, b] = [createPool(url, 1), createPool(url, 1)];
    try {
      const [ranA, ranB] = await Promise.all([migrate(a), migrate(b)]);
      const all = (await loadMigrations()).map((m) => m.id);
      assert.ok(all.length >= 2);
      assert.deepEqual([...ranA, ...ranB].sort(), all, 'exactly one process applied each migration');
      const rows = await a.query('SELECT id FROM schema_migrations ORDER BY id');
      assert.deepEqual(rows.rows.map((r) => r.id), all);
      assert.deepEqual(await migrate(a), [], 'a later start applies nothing');
    } finally {
      await a.end();
      await b.end();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    }
  });
});
