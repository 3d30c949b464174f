import type { ActivityOptions } from '@temporalio/workflow';

/**
 * The retry policy of activities that write the ledger (Postgres): every one is idempotent, so it
 * is retried until it succeeds, backing off to a minute between tries while the database is away.
 */
export const LEDGER_WRITES: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
