import type { EventRow } from './events.js';
import type { Queryable } from './pool.js';

/**
 * Locks a sink's cursor row for the caller's transaction, or returns undefined when another process
 * holds it (that one is fanning out; this one skips the tick rather than queue behind it).
 */
export async function lockOutboxCursor(tx: Queryable, sink: string): Promise<bigint | undefined> {
  const res = await tx.query<{ last_event_id: string }>({
    text: `SELECT last_event_id::text FROM outbox_cursors WHERE sink = $1 FOR UPDATE SKIP LOCKED`,
    values: [sink],
  });
  const row = res.rows[0];
  return row ? BigInt(row.last_event_id) : undefined;
}

/**
 * Events after the cursor, in id order, as `listEventsAfter` reads them: rows of transactions still
 * open below the reader's snapshot are held back, so a late-committing smaller id is never skipped.
 */
export async function eventsAfterCursor(tx: Queryable, after: bigint, limit: number): Promise<EventRow[]> {
  const res = await tx.query<EventRow>({
    text: `SELECT id, type, aggregate_type, aggregate_id, aggregate_version, payload, created_at
             FROM events
            WHERE id > $1::bigint AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY id
            LIMIT $2::int`,
    values: [after.toString(), limit],
  });
  return res.rows;
}

export async function moveOutboxCursor(tx: Queryable, sink: string, to: bigint): Promise<void> {
  await tx.query({ text: `UPDATE outbox_cursors SET last_event_id = $2::bigint, updated_at = now() WHERE sink = $1`, values: [sink, to.toString()] });
}

/** Moves a sink's cursor to the newest event: tests start their sinks at the present, not at other files' past. */
export async function outboxCursorToPresent(db: Queryable, sink: string): Promise<void> {
  await db.query({ text: `UPDATE outbox_cursors SET last_event_id = COALESCE((SELECT max(id) FROM events), 0), updated_at = now() WHERE sink = $1`, values: [sink] });
}
