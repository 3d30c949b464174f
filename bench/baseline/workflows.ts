import { proxyActivities, sleep } from '@temporalio/workflow';
import type { baselineActivities } from './activities.js';

const { noop } = proxyActivities<typeof baselineActivities>({ startToCloseTimeout: '30 seconds' });

/** The baseline: bare Temporal — sleep until a moment, run one no-op activity. */
export async function baselineWorkflow(dueAt: string): Promise<void> {
  await sleep(Math.max(0, Date.parse(dueAt) - Date.now()));
  await noop();
}
