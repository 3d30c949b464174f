import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { baselineActivities } from './activities.js';

const { noop } = proxyActivities<typeof baselineActivities>({ startToCloseTimeout: '30 seconds' });

/** The baseline: bare Temporal — sleep until a moment, run one no-op activity. */
export async function baselineWorkflow(dueAt: string): Promise<void> {
  await sleep(Math.max(0, Date.parse(dueAt) - Date.now()));
  await noop();
}

export const baselineWakeSignal = defineSignal('wake');

/** The baseline for statement matching: wait for one signal, then run one no-op activity. */
export async function baselineSignalWorkflow(): Promise<void> {
  let woken = false;
  setHandler(baselineWakeSignal, () => {
    woken = true;
  });
  await condition(() => woken);
  await noop();
}
