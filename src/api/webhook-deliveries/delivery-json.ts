import type { WebhookAttemptRow, WebhookDeliveryView } from '../../db/webhook-deliveries.js';
import type { WebhookDelivery, WebhookDeliveryDetail } from './webhook-deliveries.routes.js';

export function deliveryJson(d: WebhookDeliveryView): WebhookDelivery {
  return {
    id: d.id,
    event_id: Number(d.event_id),
    event_type: d.event_type,
    endpoint_id: d.endpoint_id,
    status: d.status,
    run: d.run,
    attempt_count: d.attempts,
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
    completed_at: d.completed_at?.toISOString() ?? null,
  };
}

export function deliveryDetailJson(d: WebhookDeliveryView, attempts: readonly WebhookAttemptRow[]): WebhookDeliveryDetail {
  return {
    ...deliveryJson(d),
    attempts: attempts.map((a) => ({
      run: a.run,
      attempt: a.attempt,
      started_at: a.started_at.toISOString(),
      latency_ms: a.latency_ms,
      status_code: a.status_code,
      response_excerpt: a.response_excerpt,
      error: a.error,
    })),
  };
}
