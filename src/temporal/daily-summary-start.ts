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
