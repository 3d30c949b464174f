import { type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';

/** A row of `webhook_deliveries` (migration 0017). */
export interface WebhookDeliveryRow {
  id: string;
  event_id: bigint;
  endpoint_id: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  run: number;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  workflow_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

/**
 * Sends deliveries again (a manual retry, a recover): each becomes `pending` in a new run with its
 * workflow not yet started, so the outbox starts webhook-delivery:<id>:<run+1>. Only finished
 * deliveries of a live endpoint move; a pending one is still being tried. By id: any finished one.
 * A recover: those that never arrived — `failed`, and `canceled` (stopped while the endpoint was
 * disabled: re-enabled after its receiver is fixed, what it missed is sent too). Returns the ids that moved.
 */
export async function requeueDeliveries(
  db: Queryable,
  q: { ids: readonly string[] } | { endpointId: string; failedSince: Date },
): Promise<string[]> {
  const byIds = 'ids' in q;
  const res = await db.query<{ id: string }>({
    text: `UPDATE webhook_deliveries d
              SET status = 'pending', run = d.run + 1, attempts = 0, next_attempt_at = now(),
                  workflow_started_at = NULL, completed_at = NULL, updated_at = now()
             FROM webhook_endpoints e
            WHERE e.id = d.endpoint_id AND e.deleted_at IS NULL
              AND ${byIds ? `d.id = ANY($1::text[]) AND d.status IN ('failed', 'succeeded', 'canceled')` : `d.endpoint_id = $1 AND d.status IN ('failed', 'canceled') AND d.created_at >= $2::timestamptz`}
        RETURNING d.id`,
    values: byIds ? [q.ids] : [q.endpointId, q.failedSince.toISOString()],
  });
  return res.rows.map((r) => r.id);
}

/** A delivery as the API shows it: the row and its event's type (cursor_at as src/db/keyset.ts's CURSOR_AT, for the join). */
export type WebhookDeliveryView = WebhookDeliveryRow & { event_type: string; cursor_at: string };

const VIEW = `d.*, ev.type AS event_type, to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
                FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id`;

export async function findWebhookDelivery(db: Queryable, id: string): Promise<WebhookDeliveryView | undefined> {
  const res = await db.query<WebhookDeliveryView>({ text: `SELECT ${VIEW} WHERE d.id = $1`, values: [id] });
  return res.rows[0];
}

/**
 * One endpoint's or one event's deliveries, newest first, keyset-paged (the endpoint's list reads
 * webhook_deliveries_endpoint_idx, the event's webhook_deliveries_event_idx).
 */
export async function listWebhookDeliveries(
  db: Queryable,
  q: ({ endpointId: string } | { eventId: bigint }) & { status?: WebhookDeliveryRow['status'] | undefined; before?: Keyset | undefined; limit: number },
): Promise<WebhookDeliveryView[]> {
  const [column, value] = 'endpointId' in q ? ['d.endpoint_id = $1::text', q.endpointId] : ['d.event_id = $1::bigint', q.eventId.toString()];
  const res = await db.query<WebhookDeliveryView>({
    text: `SELECT ${VIEW}
            WHERE ${column} AND ($2::text IS NULL OR d.status = $2::text)
              AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3::timestamptz, $4::text))
            ORDER BY d.created_at DESC, d.id DESC LIMIT $5::int`,
    values: [value, q.status ?? null, ...keysetValues(q.before), q.limit],
  });
  return res.rows;
}

/** A row of `webhook_attempts` (migration 0017): one try of one run. */
export interface WebhookAttemptRow {
  id: bigint;
  delivery_id: string;
  run: number;
  attempt: number;
  started_at: Date;
  latency_ms: number;
  status_code: number | null;
  response_excerpt: string | null;
  error: string | null;
}

/** A delivery's attempts, newest first, at most `limit` (each carries up to 4 KB of the answer). */
export async function listWebhookAttempts(db: Queryable, deliveryId: string, limit: number): Promise<WebhookAttemptRow[]> {
  const res = await db.query<WebhookAttemptRow>({
    text: `SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY run DESC, attempt DESC LIMIT $2::int`,
    values: [deliveryId, limit],
  });
  return res.rows;
}

/** Stops an endpoint's deliveries still being tried (it was deleted); their workflows see 'canceled' and end. */
export async function cancelPendingDeliveries(db: Queryable, endpointId: string): Promise<number> {
  const res = await db.query({
    text: `UPDATE webhook_deliveries SET status = 'canceled', next_attempt_at = NULL, completed_at = now(), updated_at = now()
            WHERE endpoint_id = $1 AND status = 'pending'`,
    values: [endpointId],
  });
  return res.rowCount ?? 0;
}

/**
 * The webhooks sink's fan-out (src/webhooks/sink.ts): one delivery for every event of the batch and
 * every endpoint that wants it — enabled, not deleted, created at or before the event, and listing
 * its type or '*' — in one statement; a pair that exists already is left alone. Ids are made here
 * ("whd_" and 16 base64url characters of a random UUID), as newId makes them in JS.
 */
export async function insertDeliveriesForEvents(tx: Queryable, events: ReadonlyArray<{ id: bigint }>): Promise<number> {
  if (events.length === 0) return 0;
  // The events are read again by id, not passed in: a JS Date keeps milliseconds, and an endpoint
  // created in the same millisecond before the event would otherwise seem to come after it.
  const res = await tx.query({
    text: `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, next_attempt_at)
           SELECT 'whd_' || substr(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), 1, 16),
                  ev.id, e.id, now()
             FROM events ev
             JOIN webhook_endpoints e
               ON e.enabled AND e.deleted_at IS NULL AND e.created_at <= ev.created_at
              AND e.event_types && ARRAY[ev.type, '*']::text[]
            WHERE ev.id = ANY($1::bigint[])
           ON CONFLICT (event_id, endpoint_id) DO NOTHING`,
    values: [events.map((e) => e.id.toString())],
  });
  return res.rowCount ?? 0;
}

/** Pending deliveries whose workflow is not started yet (fresh, requeued, or left by a Temporal outage), oldest first. */
export async function unstartedDeliveries(db: Queryable, limit: number): Promise<Array<{ id: string; run: number; endpoint_id: string }>> {
  const res = await db.query<{ id: string; run: number; endpoint_id: string }>({
    text: `SELECT id, run, endpoint_id FROM webhook_deliveries
            WHERE workflow_started_at IS NULL AND status = 'pending'
            ORDER BY created_at, id
            LIMIT $1::int`,
    values: [limit],
  });
  return res.rows;
}

/**
 * Notes the workflows as started, each for the run it was started for: a delivery requeued in
 * between (run bumped) stays unstarted, so its new run's workflow is started next.
 */
export async function markDeliveriesStarted(db: Queryable, started: ReadonlyArray<{ id: string; run: number }>): Promise<void> {
  if (started.length === 0) return;
  await db.query({
    text: `UPDATE webhook_deliveries d SET workflow_started_at = now(), updated_at = now()
             FROM unnest($1::text[], $2::int[]) AS s (id, run)
            WHERE d.id = s.id AND d.run = s.run AND d.workflow_started_at IS NULL`,
    values: [started.map((s) => s.id), started.map((s) => s.run)],
  });
}
