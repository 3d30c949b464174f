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
}

export async function insertApiKey(
  db: Queryable,
  k: { id: string; name: string; keyHash: string; keyPrefix: string; scopes: readonly ApiKeyScope[]; customerId?: string },
): Promise<void> {
  await db.query({
    text: `INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes, customer_id) VALUES ($1, $2, $3, $4, $5::text[], $6)
           ON CONFLICT (key_hash) DO UPDATE SET scopes = EXCLUDED.scopes, revoked_at = NULL`,
    values: [k.id, k.name, k.keyHash, k.keyPrefix, k.scopes, k.customerId ?? null],
  });
}

export async function findActiveKeyByHash(db: Queryable, keyHash: string): Promise<ApiKeyRow | undefined> {
  const res = await db.query<ApiKeyRow>({
    text: `SELECT id, customer_id, name, key_prefix, scopes, created_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    values: [keyHash],
  });
  return res.rows[0];
}
