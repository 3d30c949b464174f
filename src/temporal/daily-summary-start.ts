import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { dailySummaryWorkflow } from '../workflows/daily-summary.js';
import { dailySummarySettingsSignal } from '../workflows/daily-summary-messages.js';
import { TollgateKind, TollgateNextActionAt } from './search-attributes.js';
import { DAILY_SUMMARY_WORKFLOW_ID } from './workflow-ids.js';

/**
 * Makes sure the daily summary loop runs, with this process's settings: a signal-with-start, so
 * the first worker starts it, every later one (a restart, a second replica) only tells it the
 * settings — the same ones, or a changed DAILY_SUMMARY_AT taking effect. Nothing runs without
 * ADMIN_EMAILS (a loop already running queues nothing while the list is empty: the activity reads
 * its own configuration). Returns whether it asked.
 */
export async function ensureDailySummary(client: Client, config: Pick<Config, 'ADMIN_EMAILS' | 'DAILY_SUMMARY_AT' | 'DAILY_SUMMARY_TIME_ZONE' | 'TEMPORAL_TASK_QUEUE'>): Promise<boolean> {
  if (config.ADMIN_EMAILS.length === 0) return false;
  const settings = { at: config.DAILY_SUMMARY_AT, timeZone: config.DAILY_SUMMARY_TIME_ZONE };
  await client.workflow.signalWithStart<typeof dailySummaryWorkflow, [typeof settings]>('dailySummaryWorkflow', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: DAILY_SUMMARY_WORKFLOW_ID,
    args: [settings],
    signal: dailySummarySettingsSignal,
    signalArgs: [settings],
    typedSearchAttributes: [
      { key: TollgateKind, value: 'daily_summary' },
      { key: TollgateNextActionAt, value: new Date() },
    ],
  });
  return true;
}

export interface KeepEnsuringOptions {
  log: { info: (fields: object, message: string) => void; warn: (fields: object, message: string) => void };
  /** Aborted when the process stops: the retries end with it. */
  signal: AbortSignal;
  /** The wait before retry n (1, 2, …); by default 1 s doubling to a minute. */
  delayMs?: (retry: number) => number;
  /** What is being started, for the log lines; by default the daily summary workflow. */
  what?: string;
}

const ENSURE_BACKOFF_MS = (retry: number) => Math.min(60_000, 1_000 * 2 ** Math.min(retry - 1, 6));

/**
 * Runs `ensure` (ensureDailySummary, ensureExchangeRatesFetch) until Temporal answers, with
 * backoff, or until the process stops. A worker that came up before Temporal could be reached
 * would otherwise run for weeks without its loops and one error line in its log. Resolves with what
 * `ensure` answered, or undefined when stopped first; never rejects.
 */
export async function keepEnsuring<T = boolean>(ensure: () => Promise<T>, o: KeepEnsuringOptions): Promise<T | undefined> {
  const delayMs = o.delayMs ?? ENSURE_BACKOFF_MS;
  const what = o.what ?? 'the daily summary workflow';
  for (let retry = 1; !o.signal.aborted; retry += 1) {
    try {
      return await ensure();
    } catch (err) {
      if (o.signal.aborted) break;
      const waitMs = delayMs(retry);
      o.log.warn({ err, retry, retryInMs: waitMs }, `could not start ${what}; retrying`);
      await sleep(waitMs, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
  o.log.info({}, `stopped before ${what} could be started`);
  return undefined;
}
