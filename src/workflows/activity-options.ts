import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * The retry policy of activities that write the ledger (Postgres): every one is idempotent, so it
 * is retried until it succeeds, backing off to a minute between tries while the database is away.
 */
export const LEDGER_WRITES: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * The same writes as local activities: run by the worker inside the workflow task that asks for
 * them, with no task-queue hop and no activity events (a marker records the result). For Postgres
 * writes that need no other worker; same retries; once the backoff passes 10 s the SDK waits on a
 * server timer between tries instead of holding the workflow task (a database outage).
 */
export const LOCAL_LEDGER_WRITES: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  localRetryThreshold: '10 seconds',
};

/**
 * Ending a canceled payment's session at its gateway: retried for an hour, then given up (the
 * payment is canceled in Postgres already; a payer who still pays meets the late-success path).
 */
export const CHECKOUT_ENDING: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/**
 * Handing an e-mail to SMTP: a try that meets an outage (connection refused, a timeout, a 4xx
 * answer) is retried, backing off to an hour between tries, for up to a week — an outage delays an
 * e-mail, it does not lose it; after a week the notification is recorded failed with the last error.
 * Permanent refusals are answers, not errors (src/activities/notifications.ts), so never retried.
 */
export const NOTIFICATION_SENDING: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
};

/**
 * Fetching and importing a source's rates file on the schedule (src/workflows/exchange-rates.ts):
 * a source that is down is tried again, backing off to half an hour, for six hours (an ECB fetch
 * at 16:30 is retried until 22:30); then the day is skipped and the next day's fetch happens. A
 * refusal that a retry cannot change (the host not allowed, a file over EXCHANGE_RATE_MAX_BYTES,
 * rates contradicting those imported before) is not retried.
 */
export const RATES_FETCHING: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '6 hours',
  retry: {
    initialInterval: '1 minute',
    backoffCoefficient: 2,
    maximumInterval: '30 minutes',
    nonRetryableErrorTypes: ['ValidationError', 'RatesHostRefusedError', 'PayloadTooLargeError', 'RatesContradictionError'],
  },
};
