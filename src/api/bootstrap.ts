import type pg from 'pg';
import { ensureConfiguredKey } from '../db/api-keys.js';
import { hashApiKey } from './middleware/auth.js';

/**
 * Makes the configured admin key valid (idempotent), so a fresh stack can be driven by scripts.
 * A key revoked through DELETE /v1/api-keys/:id stays revoked across restarts: the answer says so,
 * and the caller warns; rotate TOLLGATE_ADMIN_API_KEY to get an admin key back.
 */
export async function ensureAdminKey(pool: pg.Pool, key: string): Promise<'valid' | 'revoked'> {
  const row = await ensureConfiguredKey(pool, {
    id: `key_admin_${hashApiKey(key).slice(0, 12)}`,
    name: 'admin (TOLLGATE_ADMIN_API_KEY)',
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 8),
    scopes: ['admin'],
  });
  return row.revoked_at === null ? 'valid' : 'revoked';
}
