import type { Queryable } from './pool.js';

/** A row of `events`: one state change, appended in the transaction that made it. */
export interface EventRow {
  id: bigint;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export interface NewEvent {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
}

export async function appendEvent(db: Queryable, e: NewEvent): Promise<bigint> {
  const res = await db.query<{ id: bigint }>({
    text: `INSERT INTO events (type, aggregate_type, aggregate_id, payload)
           VALUES ($1, $2, $3, $4::jsonb) RETURNING id`,
    values: [e.type, e.aggregateType, e.aggregateId, JSON.stringify(e.payload)],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO events returned no row');
  return row.id;
}

/**
 * Events after `after`, in id order. Rows of transactions that are still open below the reader's
 * snapshot are held back (tx_id < xmin), so a consumer paging by id never skips an event that
 * commits late with a smaller id.
 */
export async function listEventsAfter(
  db: Queryable,
  q: { after: bigint; limit: number; aggregateId?: string | undefined },
): Promise<EventRow[]> {
  const res = await db.query<EventRow>({
    text: `SELECT id, type, aggregate_type, aggregate_id, payload, created_at
             FROM events
            WHERE id > $1::bigint
              AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
              AND ($3::text IS NULL OR aggregate_id = $3::text)
            ORDER BY id
            LIMIT $2::int`,
    values: [q.after.toString(), q.limit, q.aggregateId ?? null],
  });
  return res.rows;
}

export async function eventExists(db: Queryable, id: bigint): Promise<boolean> {
  const res = await db.query({ text: `SELECT 1 FROM events WHERE id = $1::bigint`, values: [id.toString()] });
  return (res.rowCount ?? 0) > 0;
}
