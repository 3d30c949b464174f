import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** What the relay needs; the API process's deps carry it (src/api/env.ts AppDeps). */
export interface RelayDeps {
  pool: pg.Pool;
  temporal: Client;
  log: Logger;
  config: Pick<
    Config,
    | 'CALLBACK_SIGNAL_TIMEOUT_MS'
    | 'RELAY_INTERVAL_MS'
    | 'TEMPORAL_TASK_QUEUE'
    | 'CALLBACK_DISPATCH_MAX_PENDING'
    | 'CALLBACK_DISPATCH_CONCURRENCY'
    | 'CALLBACK_RELAY_GRACE_MS'
  >;
}
