import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { buildGateways } from '../gateways/registry.js';
import { createTemporalClient } from '../temporal/connection.js';
import { DeliveryMarks } from '../relay/delivery-marks.js';
import { ImportSlots } from './bank-statements/import-slots.js';
import type { AppDeps } from './env.js';
import { createMetrics } from './middleware/metrics.js';

/** The API's dependencies from config, a pool and a logger: one recipe for the process and tests. */
export function buildAppDeps(config: Config, pool: pg.Pool, log: Logger): AppDeps {
  return {
    config,
    pool,
    temporal: createTemporalClient(config),
    gateways: buildGateways(config, { db: pool }),
    log,
    metrics: createMetrics(),
    now: () => new Date(),
    statementImports: new ImportSlots(config.STATEMENT_MAX_CONCURRENT_IMPORTS),
    deliveryMarks: new DeliveryMarks(pool, log),
  };
}
