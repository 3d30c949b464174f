import { randomBytes } from 'node:crypto';
import { newId } from './ids.js';
import type { Queryable } from './pool.js';

/** A row of `webhook_endpoints` (migration 0017). */
export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string;
  /** '*' alone means every type. */
  event_types: string[];
  enabled: boolean;
  disabled_reason: 'user' | 'gone' | 'failing' | null;
  disabled_at: Date | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** A fresh Standard Webhooks secret: "whsec_" and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface NewWebhookEndpoint {
  url: string;
  description: string;
  eventTypes: readonly string[];
  enabled: boolean;
}

export async function insertWebhookEndpoint(db: Queryable, e: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
  const res = await db.query<WebhookEndpointRow>({
    text: `INSERT INTO webhook_endpoints (id, url, description, event_types, enabled, disabled_reason, disabled_at, secret)
           VALUES ($1, $2, $3, $4::text[], $5, CASE WHEN $5 THEN NULL ELSE 'user' END, CASE WHEN $5 THEN NULL ELSE now() END, $6)
           RETURNING *`,
    values: [newId('we'), e.url, e.description, e.eventTypes, e.enabled, newSigningSecret()],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO webhook_endpoints returned no row');
  return row;
}

/** A live endpoint by id (deleted ones are gone for the API, though their rows stay). */
export async function findWebhookEndpoint(db: Queryable, id: string): Promise<WebhookEndpointRow | undefined> {
  const res = await db.query<WebhookEndpointRow>({ text: `SELECT * FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL`, values: [id] });
  return res.rows[0];
}
