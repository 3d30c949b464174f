import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, type LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import { type Config, loadConfig } from '../config.js';
import { createPool, warnIdleErrors } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { createMailer } from '../notifications/mailer.js';
import { createTemporalClient, temporalConnectionOptions } from '../temporal/connection.js';
import { ensureDailySummary, keepEnsuring } from '../temporal/daily-summary-start.js';
import { ensureExchangeRatesFetch } from '../temporal/exchange-rates-start.js';
import { startOutbox } from '../outbox/loop.js';
import { outboxSinks } from '../outbox/sinks.js';
import { createTollgateWorker, createWebhookWorker, workflowsPath } from './create-worker.js';

/** Events fanned out per outbox transaction, and workflows started per step. */
const OUTBOX_BATCH = 200;

/** The SDK's own log level for each of ours ('silent' keeps errors). */
const SDK_LEVEL: Record<Config['LOG_LEVEL'], LogLevel> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR',
};

/** The worker process: `node dist/worker/main.js`. Stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config, 'tollgate-worker');
  Runtime.install({ logger: new DefaultLogger(SDK_LEVEL[config.LOG_LEVEL]) });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for the worker (npm start sets it for you)');
  const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE, warnIdleErrors(log));
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const temporal = createTemporalClient(config);
  const mailer = config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : undefined;
  // One bundle for both Workers (bundling is seconds of CPU and memory; the code is the same).
  const workflowBundle = config.TOLLGATE_WORKFLOW_BUNDLE
    ? { codePath: config.TOLLGATE_WORKFLOW_BUNDLE }
    : { code: (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') })).code };
  const common = { config, connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, pool, log, workflowBundle };
  const worker = await createTollgateWorker({ ...common, temporal, mailer });
  const webhooks = await createWebhookWorker(common);
  // Every worker process runs the outbox; the cursor's row lock lets one fan a sink out at a time.
  // The outbox starts its workflows on the Workers' own connection, so webhook deliveries can start eagerly.
  const starter = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const stopOutbox = startOutbox(
    { pool, temporal: starter, taskQueue: config.TEMPORAL_TASK_QUEUE, log, eagerStart: true },
    { sinks: outboxSinks(config), intervalMs: config.OUTBOX_INTERVAL_MS, batch: OUTBOX_BATCH },
  );
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  // The admin's daily summary loop: started by the first worker, told the settings by each.
  // Asked in the background, again with backoff while Temporal cannot be reached, until it
  // answers or the worker stops; it never holds the worker back.
  const stopAsking = new AbortController();
  void keepEnsuring(() => ensureDailySummary(temporal, config), { log, signal: stopAsking.signal }).then((asked) => {
    if (asked) log.info({ at: config.DAILY_SUMMARY_AT, timeZone: config.DAILY_SUMMARY_TIME_ZONE }, 'daily summary scheduled');
  });
  // The scheduled rates fetch (EXCHANGE_RATES_FETCH): one loop per source, started and kept the same way.
  void keepEnsuring(() => ensureExchangeRatesFetch(temporal, config), { log, signal: stopAsking.signal, what: 'the exchange rates fetch workflows' }).then((sources) => {
    if (sources && sources.length > 0) log.info({ fetch: config.EXCHANGE_RATES_FETCH }, 'exchange rates fetch scheduled');
  });
  // The SDK shuts both Workers down gracefully on SIGINT/SIGTERM; run() resolves once each has.
  await Promise.all([worker.run(), webhooks.run()]);
  // Not awaited: a request in flight ends when the connection closes below.
  stopAsking.abort();
  await stopOutbox();
  mailer?.close();
  await connection.close();
  await temporal.connection.close();
  await pool.end();
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
