import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { listUnstartedRefunds, markRefundWorkflowStarted } from '../db/refund-outcomes.js';
import { startRefundWorkflow } from './start.js';

/** How long a refund may wait for its creator to start it before the sweep does (the creator commits, then starts). */
export const REFUND_START_GRACE_MS = 5_000;
const PAGE = 100;

/**
 * Starts refund:<id> for every refund whose workflow was never started: a late success's refund
 * is created inside the callback relay's transaction (src/db/late-success.ts), which cannot start
 * a workflow, and a process may die between its commit and the start. The start is keyed by the
 * refund id, so starting one its creator did start too is harmless. Returns how many it started;
 * stops at the first refusal (Temporal away), leaving the rest for the next sweep.
 */
export async function startUnstartedRefunds(deps: { pool: pg.Pool; temporal: Client; taskQueue: string }, graceMs = REFUND_START_GRACE_MS): Promise<number> {
  let started = 0;
  for (;;) {
    const page = await listUnstartedRefunds(deps.pool, graceMs, PAGE);
    for (const r of page) {
      await startRefundWorkflow(deps.temporal, deps.taskQueue, { id: r.id, customerId: r.customer_id, amountMinor: r.amount_minor });
      await markRefundWorkflowStarted(deps.pool, r.id);
      started += 1;
    }
    if (page.length < PAGE) return started;
  }
}

/** Runs startUnstartedRefunds every `intervalMs` in the API process (beside the callback relay); returns a stop that waits for a running sweep. */
export function startRefundSweep(
  deps: { pool: pg.Pool; temporal: Client; taskQueue: string; log: { warn: (fields: object, message: string) => void; info: (fields: object, message: string) => void } },
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = startUnstartedRefunds(deps)
      .then((n) => {
        if (n > 0) deps.log.info({ started: n }, 'started refund workflows their creator had not');
      })
      .catch((err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'refund sweep failed; the next one retries'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
