import { randomBytes } from 'node:crypto';
import { newId } from './ids.js';
import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
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

/** The same, locked for the caller's transaction (a change, a delete, a rotation, a resend). */
export async function lockWebhookEndpoint(tx: Queryable, id: string): Promise<WebhookEndpointRow | undefined> {
  const res = await tx.query<WebhookEndpointRow>({ text: `SELECT * FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, values: [id] });
  return res.rows[0];
}

/** Arbitrary constant: creations take it so two racing ones cannot both pass the per-deployment cap. */
const CREATE_LOCK = 7_240_120;

/** How many live endpoints there are, counted under the creation lock (held to the caller's commit). */
export async function countLiveEndpointsForCreate(tx: Queryable): Promise<number> {
  await tx.query({ text: 'SELECT pg_advisory_xact_lock($1::bigint)', values: [CREATE_LOCK] });
  const res = await tx.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM webhook_endpoints WHERE deleted_at IS NULL` });
  return res.rows[0]?.n ?? 0;
}

/** Live endpoints, newest first, keyset-paged. */
export async function listWebhookEndpoints(
  db: Queryable,
  q: { before?: Keyset | undefined; limit: number },
): Promise<Array<WebhookEndpointRow & { cursor_at: string }>> {
  const res = await db.query<WebhookEndpointRow & { cursor_at: string }>({
    text: `SELECT *, ${CURSOR_AT} FROM webhook_endpoints
            WHERE deleted_at IS NULL AND ${beforeKeyset(1)}
            ORDER BY created_at DESC, id DESC LIMIT $3::int`,
    values: [...keysetValues(q.before), q.limit],
  });
  return res.rows;
}

export interface WebhookEndpointChange {
  url?: string | undefined;
  description?: string | undefined;
  eventTypes?: readonly string[] | undefined;
  /**
   * true: enabled again, every trace of why it was off cleared (failing_since too, so the five-day
   * failure clock starts afresh). false: off by the user; an endpoint already off keeps its reason.
   */
  enabled?: boolean | undefined;
}

/** Applies a change to a live endpoint; undefined fields stay. Undefined when there is no such endpoint. */
export async function updateWebhookEndpoint(db: Queryable, id: string, c: WebhookEndpointChange): Promise<WebhookEndpointRow | undefined> {
  const res = await db.query<WebhookEndpointRow>({
    text: `UPDATE webhook_endpoints SET
             url = COALESCE($2::text, url),
             description = COALESCE($3::text, description),
             event_types = COALESCE($4::text[], event_types),
             disabled_reason = CASE WHEN $5::boolean IS TRUE THEN NULL WHEN $5::boolean IS FALSE AND enabled THEN 'user' ELSE disabled_reason END,
             disabled_at = CASE WHEN $5::boolean IS TRUE THEN NULL WHEN $5::boolean IS FALSE AND enabled THEN now() ELSE disabled_at END,
             failing_since = CASE WHEN $5::boolean IS TRUE THEN NULL ELSE failing_since END,
             enabled = COALESCE($5::boolean, enabled),
             updated_at = now()
           WHERE id = $1 AND deleted_at IS NULL
           RETURNING *`,
    values: [id, c.url ?? null, c.description ?? null, c.eventTypes ?? null, c.enabled ?? null],
  });
  return res.rows[0];
}

/** A new secret; the one it replaces keeps signing beside it until `previousExpiresAt`. */
export async function rotateWebhookEndpointSecret(db: Queryable, id: string, previousExpiresAt: Date): Promise<WebhookEndpointRow | undefined> {
  const res = await db.query<WebhookEndpointRow>({
    text: `UPDATE webhook_endpoints
              SET previous_secret = secret, previous_secret_expires_at = $2::timestamptz, secret = $3, updated_at = now()
            WHERE id = $1 AND deleted_at IS NULL
        RETURNING *`,
    values: [id, previousExpiresAt.toISOString(), newSigningSecret()],
  });
  return res.rows[0];
}

/** Hides the endpoint from the API for good; its row and deliveries stay for the record. */
export async function softDeleteWebhookEndpoint(db: Queryable, id: string): Promise<WebhookEndpointRow | undefined> {
  const res = await db.query<WebhookEndpointRow>({
    text: `UPDATE webhook_endpoints SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
    values: [id],
  });
  return res.rows[0];
}
