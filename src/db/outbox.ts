import { COMMITTED_BELOW_SNAPSHOT, type FeedEvent } from './events.js';
import type { Queryable } from './pool.js';

/** Where a sink has got to: the last event it fanned out, in (transaction id, event id) order. */
export interface OutboxCursor {
  txId: string;
  eventId: bigint;
}

/**
 * Locks a sink's cursor row for the caller's transaction, or returns undefined when another process
 * holds it (that one is fanning out; this one skips the tick rather than queue behind it).
 */
export async function lockOutboxCursor(tx: Queryable, sink: string): Promise<OutboxCursor | undefined> {
  const res = await tx.query<{ last_tx_id: string; last_event_id: string }>({
    text: `SELECT last_tx_id::text, last_event_id::text FROM outbox_cursors WHERE sink = $1 FOR UPDATE SKIP LOCKED`,
    values: [sink],
  });
  const row = res.rows[0];
  return row ? { txId: row.last_tx_id, eventId: BigInt(row.last_event_id) } : undefined;
}

/** An event as the outbox reads it: the row and the transaction that wrote it (the cursor's first half). */
export type OutboxEvent = FeedEvent;

/**
 * Events after the cursor in (tx_id, id) order, only of transactions below the reader's snapshot
 * xmin — all of which have finished, so no row can later appear behind what this returns (an id
 * order would skip: see migration 0019).
 */
export async function eventsAfterCursor(tx: Queryable, after: OutboxCursor, limit: number): Promise<OutboxEvent[]> {
  const res = await tx.query<OutboxEvent>({
    text: `SELECT id, type, aggregate_type, aggregate_id, aggregate_version, payload, created_at, tx_id::text AS tx_id
             FROM events
            WHERE (tx_id, id) > ($1::xid8, $2::bigint) AND ${COMMITTED_BELOW_SNAPSHOT}
            ORDER BY tx_id, id
            LIMIT $3::int`,
    values: [after.txId, after.eventId.toString(), limit],
  });
  return res.rows;
}

/** The channel every transaction that writes events or notifications notifies (migrations 0017, 0018). */
const OUTBOX_CHANNEL = 'tollgate_events';

/** Subscribes a dedicated connection to the outbox's wake-ups (its 'notification' events). */
export async function listenForOutboxWakes(client: Queryable): Promise<void> {
  await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
}

/** Drops every LISTEN of a connection before it goes back to the pool (a pooled client must not keep waking a stopped outbox). */
export async function unlistenAll(client: Queryable): Promise<void> {
  await client.query('UNLISTEN *');
}

export async function moveOutboxCursor(tx: Queryable, sink: string, to: OutboxCursor): Promise<void> {
  await tx.query({
    text: `UPDATE outbox_cursors SET last_tx_id = $2::xid8, last_event_id = $3::bigint, updated_at = now() WHERE sink = $1`,
    values: [sink, to.txId, to.eventId.toString()],
  });
}

/** Moves a sink's cursor past every event: tests start their sinks at the present, not at other files' past. */
export async function outboxCursorToPresent(db: Queryable, sink: string): Promise<void> {
  await db.query({
    text: `UPDATE outbox_cursors
              SET (last_tx_id, last_event_id) = (SELECT COALESCE(max(tx_id), '0'::xid8), COALESCE(max(id), 0) FROM events), updated_at = now()
            WHERE sink = $1`,
    values: [sink],
  });
}
