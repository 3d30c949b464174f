import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ServerType } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type pg from 'pg';
import { pino } from 'pino';
import { generateApiKey } from '../../src/api/api-keys/api-keys.router.js';
import { ensureAdminKey } from '../../src/api/bootstrap.js';
import { startRelay } from '../../src/relay/index.js';
import { startRefundSweep } from '../../src/temporal/refund-starts.js';
import { createApp } from '../../src/api/create-app.js';
import { listen } from '../../src/api/server.js';
import { buildAppDeps } from '../../src/api/deps.js';
import { startIdempotencyCleanup } from '../../src/api/idempotency.js';
import type { AppDeps } from '../../src/api/env.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { createMailer } from '../../src/notifications/mailer.js';
import { outboxCursorToPresent } from '../../src/db/outbox.js';
import { startOutbox } from '../../src/outbox/loop.js';
import type { OutboxSink } from '../../src/outbox/sink.js';
import { temporalConnectionOptions } from '../../src/temporal/connection.js';
import { createTollgateWorker, createWebhookWorker } from '../../src/worker/create-worker.js';
import { outboxSinks } from '../../src/outbox/sinks.js';
import { testEnv } from './env.js';
import { freePort } from './free-port.js';
import { quietRuntime, workflowBundle } from './time-skipping.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any; // tests read whatever came back
}

/**
 * The real worker and the real API over HTTP, on the run's shared dev server and database, with a
 * task queue of their own so test files do not see each other's workflows.
 */
export interface TestStack {
  baseUrl: string;
  config: Config;
  adminKey: string;
  pool: pg.Pool;
  deps: AppDeps;
  request(method: string, path: string, opts?: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> }): Promise<ApiResponse>;
  close(): Promise<void>;
}

/**
 * refundSweep: start unstarted refunds as every API process does (src/temporal/refund-starts.ts).
 * Off unless asked: every stack has its own task queue on the one test database, and a sweep would
 * start another file's refunds on its own queue, where they wait once that stack has closed.
 *
 * outbox: run the outbox (true: every sink of src/outbox/sinks.ts; or the sinks a function names)
 * and the webhook Worker as a worker
 * process does, after moving the sinks' cursors to the present: the files share one database, and
 * this stack must not post or mail what earlier files did. A file that creates webhook endpoints
 * deletes them at its end, so a later file's outbox does not post to its dead receivers.
 */
export async function startTestStack(
  overrides: Record<string, string> = {},
  opts: { worker?: boolean; refundSweep?: boolean; outbox?: boolean | ((config: Config) => OutboxSink[]) } = {},
): Promise<TestStack> {
  quietRuntime();
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: testEnv.databaseUrl(),
    TEMPORAL_ADDRESS: testEnv.temporalAddress(),
    TEMPORAL_TASK_QUEUE: `it-${randomUUID()}`,
    RELAY_INTERVAL_MS: '200',
    OUTBOX_INTERVAL_MS: '200',
    CALLBACK_SIGNAL_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pool = createPool(testEnv.databaseUrl(), 5);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const deps: AppDeps = buildAppDeps(config, pool, log);
  const mailer = config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : undefined;
  const worker: Worker | undefined = opts.worker === false ? undefined : await createTollgateWorker({
    config,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool,
    temporal: deps.temporal,
    log,
    mailer,
    workflowBundle: await workflowBundle(),
  });
  const webhookWorker: Worker | undefined = opts.outbox ? await createWebhookWorker({
    config,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool,
    log,
    workflowBundle: await workflowBundle(),
  }) : undefined;
  const workerRun = Promise.all([worker?.run(), webhookWorker?.run()]);
  // From the present: the events other files left behind are theirs, not this stack's to post or e-mail.
  const sinks = opts.outbox === true ? outboxSinks(config) : opts.outbox ? opts.outbox(config) : undefined;
  for (const sink of sinks ?? []) await outboxCursorToPresent(pool, sink.name);
  const stopOutbox = sinks
    // As the worker process does: starts on the Workers' own connection, so deliveries start eagerly.
    ? startOutbox(
      { pool, temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), taskQueue: config.TEMPORAL_TASK_QUEUE, log, eagerStart: webhookWorker !== undefined },
      { sinks, intervalMs: config.OUTBOX_INTERVAL_MS, batch: 200 },
    )
    : async () => undefined;
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = listen(app.fetch, port, '127.0.0.1', () => resolve(s));
  });
  const relay = startRelay(deps);
  deps.callbackDispatch.onBacklogCleared(() => relay.nudge());
  const stopRefundSweep = opts.refundSweep ? startRefundSweep({ ...deps, taskQueue: config.TEMPORAL_TASK_QUEUE }, config.RELAY_INTERVAL_MS) : async () => undefined;
  const stopCleanup = startIdempotencyCleanup(deps);
  const adminKey = generateApiKey();
  await ensureAdminKey(pool, adminKey);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    config,
    adminKey,
    pool,
    deps,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const key = opts.key === undefined ? adminKey : opts.key;
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, body, redirect: 'manual' });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      await stopOutbox();
      await relay.stop();
      await stopRefundSweep();
      await stopCleanup();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.callbackDispatch.drain(10_000);
      worker?.shutdown();
      webhookWorker?.shutdown();
      await workerRun;
      mailer?.close();
      await connection.close();
      await deps.deliveryMarks.flush();
      await deps.temporal.connection.close();
      await pool.end();
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
