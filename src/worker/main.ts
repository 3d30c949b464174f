import { DefaultLogger, type LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import { type Config, loadConfig } from '../config.js';
import { createPool, warnIdleErrors } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { createMailer } from '../notifications/mailer.js';
import { createTemporalClient, temporalConnectionOptions } from '../temporal/connection.js';
import { ensureDailySummary } from '../temporal/daily-summary-start.js';
import { createTollgateWorker } from './create-worker.js';

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
  const worker = await createTollgateWorker({
    config,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool,
    temporal,
    log,
    mailer,
    ...(config.TOLLGATE_WORKFLOW_BUNDLE && { workflowBundle: { codePath: config.TOLLGATE_WORKFLOW_BUNDLE } }),
  });
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  // The admin's daily summary loop: started by the first worker, told the settings by each.
  // A failure here does not stop the worker: the next worker start asks again.
  await ensureDailySummary(temporal, config).then(
    (asked) => asked && log.info({ at: config.DAILY_SUMMARY_AT, timeZone: config.DAILY_SUMMARY_TIME_ZONE }, 'daily summary scheduled'),
    (err: unknown) => log.error({ err }, 'could not start the daily summary workflow'),
  );
  // The SDK shuts the worker down gracefully on SIGINT/SIGTERM; run() resolves once it has.
  await worker.run();
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
