import type pg from 'pg';
import { eventsAfterCursor, listenForOutboxWakes, lockOutboxCursor, moveOutboxCursor, unlistenAll } from '../db/outbox.js';
import { inTransaction } from '../db/pool.js';
import type { OutboxSink, OutboxStartDeps } from './sink.js';

export interface OutboxOptions {
  sinks: readonly OutboxSink[];
  /** The fallback tick when no NOTIFY arrives (a lost LISTEN connection, rows left by a Temporal outage). */
  intervalMs: number;
  /** Events fanned out per transaction, workflows started per step. */
  batch: number;
}

/**
 * The outbox (migration 0017): for each sink, fan the events after its cursor out into the sink's
 * rows, then start their workflows. Woken by NOTIFY tollgate_events (every transaction that writes
 * events or notifications) and by a fallback interval. Runs in every worker process; the cursor's
 * row lock (SKIP LOCKED) makes one process fan out a sink at a time, and workflow ids make a start
 * that two processes race harmless. Returns a stop that waits for the running pass.
 */
export function startOutbox(deps: OutboxStartDeps, o: OutboxOptions): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const pass = async (): Promise<void> => {
    for (const sink of o.sinks) {
      if (stopped) return;
      // Each sink on its own: one that fails (Postgres away, a bug) neither skips the others nor
      // its own starts of what it queued before.
      await fanOutSink(sink).catch((err: unknown) => deps.log.warn({ err, sink: sink.name }, 'outbox fan-out failed; the next wake retries'));
      await startSink(sink).catch((err: unknown) => deps.log.warn({ err, sink: sink.name }, 'outbox starts failed; the next wake retries'));
    }
  };

  const startSink = async (sink: OutboxSink): Promise<void> => {
    while (!stopped && (await sink.startPending(deps, o.batch)) >= o.batch);
  };

  const fanOutSink = async (sink: OutboxSink): Promise<void> => {
    // Until caught up, one batch per transaction.
    for (;;) {
      const moved = await inTransaction(deps.pool, async (tx) => {
        const cursor = await lockOutboxCursor(tx, sink.name);
        if (cursor === undefined) return 0;
        const events = await eventsAfterCursor(tx, cursor, o.batch);
        const last = events.at(-1);
        if (!last) return 0;
        await sink.fanOut(tx, events, deps.log);
        await moveOutboxCursor(tx, sink.name, { txId: last.tx_id, eventId: last.id });
        return events.length;
      });
      if (moved < o.batch || stopped) break;
    }
  };

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err: unknown) => deps.log.warn({ err }, 'outbox pass failed; the next wake retries'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  let listener: pg.PoolClient | undefined;
  let connecting = false;
  const listen = async () => {
    if (connecting || listener || stopped) return;
    connecting = true;
    try {
      const client = await deps.pool.connect();
      listener = client;
      client.on('notification', wake);
      client.on('error', () => {
        // The interval carries on and opens a new LISTEN connection on its next tick. Only the
        // listener still in use is released here; one a stop took is the stop's.
        if (listener !== client) return;
        listener = undefined;
        client.release(true);
      });
      await listenForOutboxWakes(client);
    } catch (err) {
      deps.log.warn({ err }, 'outbox cannot LISTEN; it polls every interval');
      listener?.release(true);
      listener = undefined;
    } finally {
      connecting = false;
    }
  };
  const timer = setInterval(() => {
    void listen();
    wake();
  }, o.intervalMs);
  void listen().then(wake);

  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
    // A second stop, or an error that dropped the connection meanwhile, finds nothing to release.
    const client = listener;
    listener = undefined;
    if (client) {
      await unlistenAll(client).catch(() => undefined);
      client.release();
    }
  };
}
