import type { AggregateType, EventAggregate, EventPayloads, EventType, SubscriptionEvent, SubscriptionEventType } from '../events/catalog.js';
import { checkEventPayload } from '../events/payload-check.js';
import type { Queryable } from './pool.js';

/** A row of `events`: one state change, appended in the transaction that made it. */
export interface EventRow {
  id: bigint;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  /** 1, 2, 3… per (aggregate_type, aggregate_id), in the order that aggregate's changes committed (migration 0021). */
  aggregate_version: number;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** An event to append: a type from the catalog, an aggregate it is written on, and that type's payload. */
export type NewEvent<T extends EventType = EventType> = {
  [K in T]: { type: K; aggregateType: EventAggregate<K>; aggregateId: string; payload: EventPayloads[K] };
}[T];

/** A subscription workflow's event as appendEvent takes it: on the subscription, subscription_id added. */
export function subscriptionEventOf(subscriptionId: string, e: SubscriptionEvent): NewEvent<SubscriptionEventType> {
  // TypeScript does not follow that a spread keeps each member's type and payload paired; it does.
  return { type: e.type, aggregateType: 'subscription', aggregateId: subscriptionId, payload: { subscription_id: subscriptionId, ...e.payload } } as NewEvent<SubscriptionEventType>;
}

const COLUMNS = 'id, type, aggregate_type, aggregate_id, aggregate_version, payload, created_at';

/**
 * Appends one event in the caller's transaction. Its aggregate_version is assigned by the insert
 * trigger of migration 0021 (max + 1 under a transaction-scoped advisory lock on the aggregate), so
 * every writer — this function and recordChargeOutcome's one-statement insert — numbers alike.
 */
export async function appendEvent<T extends EventType>(db: Queryable, e: NewEvent<T>): Promise<{ id: bigint; aggregateVersion: number }> {
  checkEventPayload(e.type, e.aggregateType, e.payload);
  const res = await db.query<{ id: bigint; aggregate_version: number }>({
    name: 'append-event',
    text: `INSERT INTO events (type, aggregate_type, aggregate_id, payload)
           VALUES ($1, $2, $3, $4::jsonb) RETURNING id, aggregate_version`,
    values: [e.type, e.aggregateType, e.aggregateId, JSON.stringify(e.payload)],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO events returned no row');
  return { id: row.id, aggregateVersion: row.aggregate_version };
}

/**
 * Takes the aggregate's event lock now, for the rest of the transaction (the one the insert
 * trigger takes): for a writer that must take it before the aggregate's row, so that every
 * writer of that aggregate takes the two in one order (migration 0021 says which).
 */
export async function lockAggregate(db: Queryable, aggregateType: AggregateType, aggregateId: string): Promise<void> {
  await db.query({ text: 'SELECT tollgate_lock_aggregate($1, $2)', values: [aggregateType, aggregateId] });
}

/** The condition that holds back rows of transactions still open below the reader's snapshot. */
export const COMMITTED_BELOW_SNAPSHOT = 'tx_id < pg_snapshot_xmin(pg_current_snapshot())';

/** A place in the feed: the transaction that wrote an event and the event's id (the feed's order). */
export interface FeedPosition {
  /** xid8 as decimal text: it may exceed 2^53. */
  txId: string;
  id: bigint;
}

/** Before every event: where a reader with no cursor starts. */
export const FEED_START: FeedPosition = { txId: '0', id: 0n };

/** An event as the feed reads it: the row and the transaction that wrote it (its cursor's first half). */
export type FeedEvent = EventRow & { tx_id: string };

/**
 * Where a reader that read by id up to `id` (the feed before its (tx_id, id) cursor) can go on
 * without skipping: just before the oldest transaction that wrote a visible event with a larger id,
 * or before the oldest transaction still open (it may write one), whichever is older. Every event
 * with a larger id sits at or after that position; what comes again is only events up to `id` of
 * those transactions. One query over the ids after `id` (the primary key).
 */
export async function resumePositionAfterId(db: Queryable, id: bigint): Promise<FeedPosition> {
  const res = await db.query<{ tx_id: string }>({
    text: `SELECT LEAST(
                    (SELECT min(tx_id) FROM events WHERE id > $1::bigint AND ${COMMITTED_BELOW_SNAPSHOT}),
                    pg_snapshot_xmin(pg_current_snapshot())
                  )::text AS tx_id`,
    values: [id.toString()],
  });
  // (tx - 1, the largest id) sorts after every event of the transaction before tx and before every
  // event of tx: the feed reads what is after the position. (A cursor never holds id 0.)
  const tx = BigInt(res.rows[0]?.tx_id ?? '1');
  return { txId: (tx > 0n ? tx - 1n : 0n).toString(), id: 2n ** 63n - 1n };
}

/**
 * Events after `after` in (tx_id, id) order, only of transactions below the reader's snapshot
 * xmin. Every one of those has finished, and every transaction still to write gets a larger xid,
 * so no row can later appear behind what this returns. An id order cannot promise that: a
 * transaction that took its xid first may insert a larger id and commit before a younger one
 * commits a smaller id (the outbox's reason too: migration 0019). The filters narrow the rows, not
 * the order, so one cursor serves them all.
 */
export async function listEventsAfter(
  db: Queryable,
  q: { after: FeedPosition; limit: number; aggregateId?: string | undefined; types?: readonly string[] | undefined },
): Promise<FeedEvent[]> {
  const res = await db.query<FeedEvent>({
    text: `SELECT ${COLUMNS}, tx_id::text AS tx_id
             FROM events
            WHERE (tx_id, id) > ($1::xid8, $2::bigint)
              AND ${COMMITTED_BELOW_SNAPSHOT}
              AND ($4::text IS NULL OR aggregate_id = $4::text)
              AND ($5::text[] IS NULL OR type = ANY($5::text[]))
            ORDER BY tx_id, id
            LIMIT $3::int`,
    values: [q.after.txId, q.after.id.toString(), q.limit, q.aggregateId ?? null, q.types && q.types.length > 0 ? [...q.types] : null],
  });
  return res.rows;
}

export async function eventExists(db: Queryable, id: bigint): Promise<boolean> {
  const res = await db.query({ text: `SELECT 1 FROM events WHERE id = $1::bigint`, values: [id.toString()] });
  return (res.rowCount ?? 0) > 0;
}

/**
 * One event by id, under the feed's rule: an event the feed would not show yet (a transaction
 * below the reader's snapshot is still open) is not found yet either, so GET by id never shows
 * what a feed reader polling with `after` could still be about to receive behind it.
 */
export async function findEvent(db: Queryable, id: bigint): Promise<EventRow | undefined> {
  const res = await db.query<EventRow>({
    text: `SELECT ${COLUMNS} FROM events WHERE id = $1::bigint AND ${COMMITTED_BELOW_SNAPSHOT}`,
    values: [id.toString()],
  });
  return res.rows[0];
}
