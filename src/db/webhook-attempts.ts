import type { EventRow } from './events.js';
import { appendEvent } from './events.js';
import type { Queryable } from './pool.js';
import type { WebhookDeliveryRow } from './webhook-deliveries.js';
import type { WebhookEndpointRow } from './webhook-endpoints.js';
import { urlForEvents } from '../domain/webhook-url.js';

/** What one attempt needs: the delivery, its endpoint, its event, and the attempt's row if a lost reply left one. */
export interface AttemptContext {
  delivery: Pick<WebhookDeliveryRow, 'id' | 'status' | 'run'>;
  endpoint: Pick<WebhookEndpointRow, 'id' | 'url' | 'enabled' | 'deleted_at' | 'secret' | 'previous_secret' | 'previous_secret_expires_at'>;
  event: EventRow;
  /** Set when this (delivery, run, attempt) was logged already: a Temporal retry of an activity whose reply was lost. */
  logged: { status_code: number | null; error: string | null } | undefined;
}

interface ContextRow {
  d_id: string; d_status: WebhookDeliveryRow['status']; d_run: number;
  e_id: string; url: string; enabled: boolean; deleted_at: Date | null;
  secret: string; previous_secret: string | null; previous_secret_expires_at: Date | null;
  ev_id: bigint; type: string; aggregate_type: string; aggregate_id: string; payload: Record<string, unknown>; created_at: Date; aggregate_version: number;
  logged: boolean; status_code: number | null; error: string | null;
}

export async function attemptContext(db: Queryable, deliveryId: string, run: number, attempt: number): Promise<AttemptContext | undefined> {
  const res = await db.query<ContextRow>({
    text: `SELECT d.id AS d_id, d.status AS d_status, d.run AS d_run,
                  e.id AS e_id, e.url, e.enabled, e.deleted_at, e.secret, e.previous_secret, e.previous_secret_expires_at,
                  ev.id AS ev_id, ev.type, ev.aggregate_type, ev.aggregate_id, ev.payload, ev.created_at, ev.aggregate_version,
                  a.id IS NOT NULL AS logged, a.status_code, a.error
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id
             JOIN events ev ON ev.id = d.event_id
             LEFT JOIN webhook_attempts a ON a.delivery_id = d.id AND a.run = $2::int AND a.attempt = $3::int
            WHERE d.id = $1`,
    values: [deliveryId, run, attempt],
  });
  const r = res.rows[0];
  if (!r) return undefined;
  return {
    delivery: { id: r.d_id, status: r.d_status, run: r.d_run },
    endpoint: {
      id: r.e_id, url: r.url, enabled: r.enabled, deleted_at: r.deleted_at,
      secret: r.secret, previous_secret: r.previous_secret, previous_secret_expires_at: r.previous_secret_expires_at,
    },
    event: { id: r.ev_id, type: r.type, aggregate_type: r.aggregate_type, aggregate_id: r.aggregate_id, payload: r.payload, created_at: r.created_at, aggregate_version: r.aggregate_version },
    logged: r.logged ? { status_code: r.status_code, error: r.error } : undefined,
  };
}

/** Ends a pending delivery of this run as canceled: its endpoint was deleted or disabled. */
export async function cancelDelivery(db: Queryable, deliveryId: string, run: number): Promise<void> {
  await db.query({
    text: `UPDATE webhook_deliveries SET status = 'canceled', next_attempt_at = NULL, completed_at = now(), updated_at = now()
            WHERE id = $1 AND run = $2::int AND status = 'pending'`,
    values: [deliveryId, run],
  });
}

export interface AttemptRecord {
  deliveryId: string;
  run: number;
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  responseExcerpt: string | null;
  /** A closed set (src/webhooks/attempt-errors.ts); null on success. */
  error: string | null;
}

/** Logs the attempt; false when (delivery, run, attempt) was logged already (two executions of one activity). */
export async function insertAttempt(tx: Queryable, a: AttemptRecord): Promise<boolean> {
  const res = await tx.query({
    text: `INSERT INTO webhook_attempts (delivery_id, run, attempt, started_at, latency_ms, status_code, response_excerpt, error)
           VALUES ($1, $2::int, $3::int, $4::timestamptz, $5::int, $6::int, $7, $8)
           ON CONFLICT (delivery_id, run, attempt) DO NOTHING`,
    values: [a.deliveryId, a.run, a.attempt, a.startedAt.toISOString(), a.latencyMs, a.statusCode, a.responseExcerpt, a.error],
  });
  return (res.rowCount ?? 0) === 1;
}

/** The delivery row after an attempt of its run: the counters, and what comes next. */
export async function updateDeliveryAfterAttempt(
  tx: Queryable,
  a: AttemptRecord,
  next: { status: 'pending'; retryInMs: number } | { status: 'succeeded' | 'failed' },
): Promise<void> {
  await tx.query({
    text: `UPDATE webhook_deliveries
              SET attempts = $3::int, last_status_code = $4::int, last_error = $5, status = $6,
                  next_attempt_at = CASE WHEN $6 = 'pending' THEN now() + make_interval(secs => $7::float8 / 1000) END,
                  completed_at = CASE WHEN $6 = 'pending' THEN NULL ELSE now() END,
                  updated_at = now()
            WHERE id = $1 AND run = $2::int AND status = 'pending'`,
    values: [a.deliveryId, a.run, a.attempt, a.statusCode, a.error, next.status, next.status === 'pending' ? next.retryInMs : null],
  });
}

/** A success: the endpoint is healthy again (written only when it was failing, so a busy endpoint's rows are not rewritten each time). */
export async function clearEndpointFailing(tx: Queryable, endpointId: string): Promise<void> {
  await tx.query({
    text: `UPDATE webhook_endpoints SET failing_since = NULL, updated_at = now() WHERE id = $1 AND failing_since IS NOT NULL`,
    values: [endpointId],
  });
}

/** A failure: failing since now unless it was already. */
export async function markEndpointFailing(tx: Queryable, endpointId: string): Promise<void> {
  await tx.query({
    text: `UPDATE webhook_endpoints SET failing_since = now(), updated_at = now() WHERE id = $1 AND failing_since IS NULL`,
    values: [endpointId],
  });
}

/**
 * Disables a live endpoint that answered 410 Gone ('gone'), or whose failing_since is older than
 * `failingForMs` ('failing'), and writes webhook_endpoint.disabled in the same transaction. Only
 * the transaction that flips `enabled` writes the event. Returns whether it did.
 */
export async function disableEndpointByDelivery(tx: Queryable, endpointId: string, reason: 'gone' | 'failing', failingForMs: number): Promise<boolean> {
  const res = await tx.query<{ id: string; url: string; failing_since: Date | null; disabled_at: Date }>({
    text: `UPDATE webhook_endpoints
              SET enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
            WHERE id = $1 AND enabled AND deleted_at IS NULL
              AND ($2 = 'gone' OR failing_since < now() - make_interval(secs => $3::float8 / 1000))
        RETURNING id, url, failing_since, disabled_at`,
    values: [endpointId, reason, failingForMs],
  });
  const row = res.rows[0];
  if (!row) return false;
  await appendEvent(tx, {
    type: 'webhook_endpoint.disabled',
    aggregateType: 'webhook_endpoint',
    aggregateId: row.id,
    payload: {
      endpoint_id: row.id,
      url: urlForEvents(row.url),
      reason,
      failing_since: row.failing_since?.toISOString() ?? null,
      disabled_at: row.disabled_at.toISOString(),
    },
  });
  return true;
}
