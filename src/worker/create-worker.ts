import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createActivities } from '../activities/index.js';
import type { Config } from '../config.js';
import { createWebhookActivities } from '../activities/webhook-deliveries.js';
import { payloadCheckFor, setEventPayloadCheck } from '../events/payload-check.js';
import { buildGateways } from '../gateways/registry.js';
import { type Mailer, messageIdHost } from '../notifications/mailer.js';
import { webhookTaskQueue } from '../temporal/webhook-starts.js';
import { EndpointLimiter } from '../webhooks/endpoint-limiter.js';
import { STICKY_QUEUE_WAIT } from './sticky-queue.js';

/** The workflows' entry file next to this one: index.ts under tsx, index.js once built. */
export const workflowsPath = fileURLToPath(
  new URL(`../workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

export interface WorkerOptions {
  config: Config;
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: pg.Pool;
  /** A client for activities that signal other workflows (statement matches). */
  temporal: Client;
  log: Logger;
  /** Pre-bundled workflow code (tests bundle once; TOLLGATE_WORKFLOW_BUNDLE names a file); otherwise bundled from workflowsPath. */
  workflowBundle?: { code: string } | { codePath: string };
  /** The SMTP pool (createMailer) when SMTP_URL is set; the caller closes it after the worker stops. */
  mailer?: Mailer | undefined;
}

/** One Tollgate worker: every workflow and activity, on one task queue. Stateless; run many. */
export async function createTollgateWorker(o: WorkerOptions): Promise<Worker> {
  setEventPayloadCheck(payloadCheckFor(o.config.TOLLGATE_ENV), o.log);
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_WAIT,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath }),
    activities: createActivities({
      pool: o.pool,
      temporal: o.temporal,
      taskQueue: o.taskQueue,
      gateways: buildGateways(o.config, { db: o.pool }),
      rates: { timeZone: o.config.EXCHANGE_RATE_TIME_ZONE, maxAgeDays: o.config.EXCHANGE_RATE_MAX_AGE_DAYS },
      hookSecret: o.config.AMOUNT_HOOK_SECRET,
      hookTimeoutMs: o.config.AMOUNT_HOOK_TIMEOUT_MS,
      outbound: { allow: o.config.OUTBOUND_ALLOWED_HOSTS, maxResponseBytes: o.config.OUTBOUND_MAX_RESPONSE_BYTES },
      publicBaseUrl: o.config.publicBaseUrl,
      actionLinkTtlMs: o.config.ACTION_REQUIRED_LINK_DAYS * 86_400_000,
      email: o.config,
      exchangeRates: o.config,
      mailer: o.mailer,
      emailTemplatesDir: o.config.EMAIL_TEMPLATES_DIR,
      messageIdHost: messageIdHost(o.config.MAIL_FROM),
    }),
  });
}

/**
 * The webhook Worker each worker process runs beside the main one, on `<queue>-webhooks`: the
 * delivery workflows and their one (local) activity, with WEBHOOK_CONCURRENCY slots of its own,
 * so a payment's activities never wait behind webhook HTTP calls (at most WEBHOOK_TIMEOUT_MS each)
 * and a burst of deliveries never delays a payment's workflow tasks. WEBHOOK_ENDPOINT_CONCURRENCY
 * keeps one slow endpoint from taking every slot (src/webhooks/endpoint-limiter.ts).
 */
/** Workflow task slots of the webhook Worker beyond those its attempts may hold. */
const DECIDING_SLOTS = 40;
/** Delivery workflows are small (one reused V8 context): a sleeping one kept is a replay saved when its timer fires. */
const MIN_CACHED_DELIVERIES = 1000;

export async function createWebhookWorker(o: Omit<WorkerOptions, 'temporal'>): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: webhookTaskQueue(o.taskQueue),
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_WAIT,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath }),
    // The attempt is a local activity, and holds its workflow task's slot for as long as its HTTP
    // call; so do tasks whose attempt waits for a local-activity slot (a burst). DECIDING_SLOTS more
    // slots let the tasks that only decide (busy, sleep, done) go on beside WEBHOOK_CONCURRENCY
    // calls; what keeps a slow endpoint from holding the calls is EndpointLimiter, whose "busy"
    // answers take milliseconds. The SDK silently cuts the slots down to maxCachedWorkflows (which
    // it derives from the heap: 182 at 512 MiB), so the cache is set to hold them, and more.
    maxConcurrentLocalActivityExecutions: o.config.WEBHOOK_CONCURRENCY,
    maxConcurrentWorkflowTaskExecutions: o.config.WEBHOOK_CONCURRENCY + DECIDING_SLOTS,
    maxCachedWorkflows: Math.max(2 * (o.config.WEBHOOK_CONCURRENCY + DECIDING_SLOTS), MIN_CACHED_DELIVERIES),
    activities: createWebhookActivities({
      pool: o.pool,
      outboundAllow: o.config.OUTBOUND_ALLOWED_HOSTS,
      webhookTimeoutMs: o.config.WEBHOOK_TIMEOUT_MS,
      limiter: new EndpointLimiter(o.config.WEBHOOK_ENDPOINT_CONCURRENCY),
    }),
  });
}
