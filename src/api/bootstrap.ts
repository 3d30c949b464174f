import type pg from 'pg';
import { insertApiKey } from '../db/api-keys.js';
import { hashApiKey } from './middleware/auth.js';

/** Makes the configured admin key valid (idempotent), so a fresh stack can be driven by scripts. */
export async function ensureAdminKey(pool: pg.Pool, key: string): Promise<void> {
  await insertApiKey(pool, {
    id: `key_admin_${hashApiKey(key).slice(0, 12)}`,
    name: 'admin (TOLLGATE_ADMIN_API_KEY)',
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 8),
    scopes: ['admin'],
  });
}
