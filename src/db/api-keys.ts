import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';

export const API_KEY_SCOPES = ['admin', 'billing', 'read', 'customer'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyRow {
  id: string;
  /** Set for customer-scoped tokens: the one customer whose subscriptions they reach. */
  customer_id: string | null;
  name: string;
  key_prefix: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  /** Null: never expires. */
  expires_at: Date | null;
  /** Set by DELETE /v1/api-keys/:id; a revoked key is never valid again. */
  revoked_at: Date | null;
}

const COLUMNS = 'id, customer_id, name, key_prefix, scopes, created_at, expires_at, revoked_at';

export interface NewApiKey {
  id: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  scopes: readonly ApiKeyScope[];
  customerId?: string | undefined;
  expiresAt?: Date | null | undefined;
}

/** Stores a freshly generated key. Its hash is new (32 random bytes), so a conflict is a bug, not an update. */
export async function insertApiKey(db: Queryable, k: NewApiKey): Promise<ApiKeyRow> {
  const res = await db.query<ApiKeyRow>({
    text: `INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes, customer_id, expires_at)
           VALUES ($1, $2, $3, $4, $5::text[], $6, $7::timestamptz) RETURNING ${COLUMNS}`,
    values: [k.id, k.name, k.keyHash, k.keyPrefix, k.scopes, k.customerId ?? null, k.expiresAt ?? null],
  });
  return res.rows[0] as ApiKeyRow;
}

/**
 * Records a configured key (TOLLGATE_ADMIN_API_KEY) unless its hash is already there, and reports
 * what is stored: a key revoked earlier stays revoked, whatever the configuration says.
 */
export async function ensureConfiguredKey(db: Queryable, k: NewApiKey): Promise<ApiKeyRow> {
  await db.query({
    text: `INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes) VALUES ($1, $2, $3, $4, $5::text[])
           ON CONFLICT (key_hash) DO NOTHING`,
    values: [k.id, k.name, k.keyHash, k.keyPrefix, k.scopes],
  });
  const res = await db.query<ApiKeyRow>({ text: `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, values: [k.keyHash] });
  return res.rows[0] as ApiKeyRow;
}

/** The key with this hash, revoked or expired ones included: the caller says which it was. */
export async function findKeyByHash(db: Queryable, keyHash: string): Promise<ApiKeyRow | undefined> {
  const res = await db.query<ApiKeyRow>({ text: `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, values: [keyHash] });
  return res.rows[0];
}

/** Revokes a key; revoking it again keeps the first time. Undefined when there is no such key. */
export async function revokeApiKey(db: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const res = await db.query<ApiKeyRow>({
    text: `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    values: [id],
  });
  return res.rows[0];
}

/** Keys and customer tokens, newest first, keyset-paged; never their hashes. */
export async function listApiKeys(
  db: Queryable,
  f: { customerId?: string | undefined; before?: Keyset | undefined; limit: number },
): Promise<Array<ApiKeyRow & { cursor_at: string }>> {
  const res = await db.query<ApiKeyRow & { cursor_at: string }>({
    text: `SELECT ${COLUMNS}, ${CURSOR_AT} FROM api_keys
            WHERE ($1::text IS NULL OR customer_id = $1::text) AND ${beforeKeyset(2)}
            ORDER BY created_at DESC, id DESC LIMIT $4`,
    values: [f.customerId ?? null, ...keysetValues(f.before), f.limit],
  });
  return res.rows;
}
