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
 * deliveries (`failed`, or `succeeded` when asked for one by id) of a live endpoint move; a pending
 * one is still being tried. Returns the ids that moved.
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
              AND ${byIds ? `d.id = ANY($1::text[]) AND d.status IN ('failed', 'succeeded', 'canceled')` : `d.endpoint_id = $1 AND d.status = 'failed' AND d.created_at >= $2::timestamptz`}
        RETURNING d.id`,
    values: byIds ? [q.ids] : [q.endpointId, q.failedSince.toISOString()],
  });
  return res.rows.map((r) => r.id);
}
