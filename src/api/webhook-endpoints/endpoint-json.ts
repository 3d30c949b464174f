import type { WebhookEndpointRow } from '../../db/webhook-endpoints.js';
import type { WebhookEndpoint, WebhookEndpointWithSecret } from './webhook-endpoints.routes.js';

/** An endpoint as every answer but creation and rotation shows it: no secret, only until when a rotation overlaps. */
export function endpointJson(r: WebhookEndpointRow, now: Date): WebhookEndpoint {
  const rotating = r.previous_secret !== null && r.previous_secret_expires_at !== null && r.previous_secret_expires_at > now;
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    event_types: r.event_types,
    enabled: r.enabled,
    disabled_reason: r.disabled_reason,
    disabled_at: r.disabled_at?.toISOString() ?? null,
    failing_since: r.failing_since?.toISOString() ?? null,
    secret_rotating_until: rotating ? (r.previous_secret_expires_at?.toISOString() ?? null) : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** The two answers that show the secret: creation and rotation. */
export function endpointWithSecretJson(r: WebhookEndpointRow, now: Date): WebhookEndpointWithSecret {
  return { ...endpointJson(r, now), secret: r.secret };
}
