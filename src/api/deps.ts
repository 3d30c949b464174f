import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { payloadCheckFor, setEventPayloadCheck } from '../events/payload-check.js';
import { buildGateways } from '../gateways/registry.js';
import { createIdentifyPayer } from '../identification/index.js';
import { createTemporalClient } from '../temporal/connection.js';
import { noteDeliveryFailure } from '../db/inbound-requests.js';
import { CallbackDispatcher, type LeaveReason } from '../relay/callback-dispatch.js';
import { deliverCallback } from '../relay/callbacks.js';
import { DeliveryMarks } from '../relay/delivery-marks.js';
import { ImportSlots } from './bank-statements/import-slots.js';
import type { AppDeps } from './env.js';
import { createMetrics } from './middleware/metrics.js';

/** The API's dependencies from config, a pool and a logger: one recipe for the process and tests. */
export function buildAppDeps(config: Config, pool: pg.Pool, log: Logger): AppDeps {
  setEventPayloadCheck(payloadCheckFor(config.TOLLGATE_ENV), log);
  const temporal = createTemporalClient(config);
  const deliveryMarks = new DeliveryMarks(pool, log);
  return {
    config,
    pool,
    temporal,
    gateways: buildGateways(config, { db: pool }),
    log,
    metrics: createMetrics(),
    now: () => new Date(),
    statementImports: new ImportSlots(config.STATEMENT_MAX_CONCURRENT_IMPORTS),
    deliveryMarks,
    callbackDispatch: callbackDispatcher({ pool, temporal, log, config }, deliveryMarks),
    identifyPayer: createIdentifyPayer({ pool, config, log }),
  };
}

const LEFT_FOR_RELAY: Record<LeaveReason, string> = {
  temporal_away: 'not signalled: Temporal was unreachable a moment before; the relay delivers it',
  backlog_full: 'not signalled at once: the dispatcher\'s backlog was full; the relay delivers it',
};

/** The dispatcher that signals accepted callbacks after their answer, through these deps. */
export function callbackDispatcher(deps: Pick<AppDeps, 'pool' | 'temporal' | 'log' | 'config'>, marks: DeliveryMarks): CallbackDispatcher {
  return new CallbackDispatcher(
    (job) => deliverCallback(deps, job.journalId, job.delivery, marks),
    deps.log,
    deps.config.CALLBACK_DISPATCH_MAX_PENDING,
    deps.config.CALLBACK_DISPATCH_CONCURRENCY,
    {
      // Recorded as an attempt, so the relay takes the row on its next tick (once Temporal is back).
      leave: (job, why) => noteDeliveryFailure(deps.pool, job.journalId, LEFT_FOR_RELAY[why]),
      awayMs: deps.config.RELAY_INTERVAL_MS,
    },
  );
}
