import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/pool.js';
import { rawEvent } from './raw-event.js';
import { insertDeliveriesForEvents } from '../../src/db/webhook-deliveries.js';
import { insertWebhookEndpoint, type WebhookEndpointRow } from '../../src/db/webhook-endpoints.js';

/** An endpoint for `url` wanting `types` (a test's own event type keeps other files' events away from it). */
export function endpointFor(db: Queryable, url: string, types: readonly string[]): Promise<WebhookEndpointRow> {
  return insertWebhookEndpoint(db, { url, description: 'test', eventTypes: types, enabled: true });
}

/** An event of `type` and its deliveries, fanned out as the sink does; returns the event id and the delivery of `endpointId`. */
export async function eventWithDelivery(db: Queryable, type: string, endpointId: string): Promise<{ eventId: bigint; deliveryId: string; run: number }> {
  const eventId = await rawEvent(db, { type, aggregateType: 'test', aggregateId: `t_${randomUUID()}`, payload: { hello: 'world', n: 1 } });
  const ev = (await db.query<{ id: bigint; type: string; created_at: Date }>('SELECT id, type, created_at FROM events WHERE id = $1', [eventId])).rows[0];
  if (!ev) throw new Error('event vanished');
  await insertDeliveriesForEvents(db, [ev]);
  const d = (await db.query<{ id: string; run: number }>('SELECT id, run FROM webhook_deliveries WHERE event_id = $1 AND endpoint_id = $2', [eventId, endpointId])).rows[0];
  if (!d) throw new Error('no delivery was fanned out');
  return { eventId, deliveryId: d.id, run: d.run };
}

/** Soft-deletes endpoints at a file's end, so later files' outboxes do not post to their closed receivers. */
export async function deleteEndpoints(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query(`UPDATE webhook_endpoints SET deleted_at = now(), enabled = false, disabled_reason = 'user', disabled_at = now() WHERE id = ANY($1::text[])`, [ids]);
}
