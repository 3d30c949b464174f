import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { EventRow } from '../db/events.js';

/** What a sink's second step needs to start its workflows. */
export interface OutboxStartDeps {
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /**
   * `temporal` runs on the NativeConnection of this process's own Workers, so a start may ask the
   * server to hand the first workflow task straight back (eager start: no trip through matching).
   * A client on a plain Connection cannot (the SDK refuses the option).
   */
  eagerStart?: boolean;
}

/**
 * A consumer of the event log that acts outside Postgres (see migration 0017). The outbox loop
 * (src/outbox/loop.ts) runs, for each sink, under the lock of its cursor row:
 *   1. `fanOut(tx, events)` — the events after the cursor become the sink's own rows, idempotently
 *      (ON CONFLICT DO NOTHING), in the transaction that moves the cursor; Postgres only.
 *   2. after the commit, `startPending(deps)` — a workflow for every row whose workflow_started_at
 *      is NULL (already-started is success), then workflow_started_at is set. A Temporal outage
 *      leaves the rows for the next tick; nothing is lost and a double start is harmless.
 */
export interface OutboxSink {
  /** Its row in outbox_cursors. */
  name: 'webhooks' | 'notifications';
  /** `log` hears what the sink skips (a rule that failed on one event) rather than block the cursor. */
  fanOut(tx: pg.PoolClient, events: readonly EventRow[], log?: Logger): Promise<void>;
  /** Returns how many workflows it started (0 when caught up). */
  startPending(deps: OutboxStartDeps, limit: number): Promise<number>;
}
