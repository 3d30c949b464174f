import { loadConfig } from '../config.js';
import { pendingByGateway } from '../db/payments.js';
import { createPool, warnIdleErrors } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { ensureAdminKey } from './bootstrap.js';
import { createApp } from './create-app.js';
import { listen } from './server.js';
import { stopAccepting } from './stop-server.js';
import { startRelay } from '../relay/index.js';
import { startRefundSweep } from '../temporal/refund-starts.js';
import { buildAppDeps } from './deps.js';
import { startIdempotencyCleanup } from './idempotency.js';
import type { AppDeps } from './env.js';

/** The API process: `node dist/api/main.js`. Expects a migrated database. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config, 'tollgate-api');
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for the API (npm start sets it for you)');
  const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE, warnIdleErrors(log));
  if (config.TOLLGATE_ADMIN_API_KEY && (await ensureAdminKey(pool, config.TOLLGATE_ADMIN_API_KEY)) === 'revoked') {
    log.warn('TOLLGATE_ADMIN_API_KEY was revoked (DELETE /v1/api-keys/:id) and stays revoked; set a new key to have an admin key again');
  }
  const deps: AppDeps = buildAppDeps(config, pool, log);
  for (const [gateway, count] of await pendingByGateway(pool)) {
    if (!deps.gateways.has(gateway)) {
      log.warn({ gateway, pending: count }, `${count} pending payment(s) use gateway "${gateway}", which is not in the gateways file: their callbacks are refused and they will expire. Put it back with enabled: false to let them finish.`);
    }
  }
  const app = createApp(deps);
  const server = listen(app.fetch, config.PORT, config.HOST, (info) => {
    log.info({ port: info.port }, 'API listening');
  });
  const relay = startRelay(deps);
  deps.callbackDispatch.onBacklogCleared(() => relay.nudge());
  // Late successes' refunds are created where no workflow can start (the relay's transaction).
  const stopRefundSweep = startRefundSweep({ ...deps, taskQueue: config.TEMPORAL_TASK_QUEUE }, config.RELAY_INTERVAL_MS);
  const stopCleanup = startIdempotencyCleanup(deps);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API shutting down');
    // Requests in flight first: a callback takes its dispatcher slot partway through, so the drain
    // starts once no request can still reserve one. Then the dispatcher's signals before the marks
    // they leave, and all before the pool closes. One budget, CALLBACK_DISPATCH_DRAIN_MS, covers
    // the requests and the drain; what it does not reach stays 'accepted' for the relay.
    const deadline = Date.now() + config.CALLBACK_DISPATCH_DRAIN_MS;
    void Promise.all([stopAccepting(server, config.CALLBACK_DISPATCH_DRAIN_MS), relay.stop(), stopRefundSweep(), stopCleanup()])
      .then(([closed]) => {
        if (!closed) log.warn('requests still in flight at the end of the shutdown budget');
        return deps.callbackDispatch.drain(Math.max(0, deadline - Date.now()));
      })
      .then((left) => {
        if (left > 0) log.warn({ left }, 'callbacks left undelivered at shutdown; the relay will deliver them');
      })
      .then(() => deps.deliveryMarks.flush())
      .then(() => deps.temporal.connection.close())
      .then(() => pool.end())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
