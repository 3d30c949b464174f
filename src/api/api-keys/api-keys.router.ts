import { randomBytes } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { type ApiKeyRow, type ApiKeyScope, insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys.js';
import { NotFoundError } from '../../domain/errors.js';
import type { Queryable } from '../../db/pool.js';
import { newId } from '../../db/ids.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { hashApiKey } from '../middleware/auth.js';
import { type ApiKey, createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from './api-keys.routes.js';
import { resolveExpiry } from './expiry.js';

/** Makes a new secret key: "tg_" and 32 random bytes. */
export function generateApiKey(): string {
  return `tg_${randomBytes(32).toString('base64url')}`;
}

/** Creates and stores (hashed) a new key; returns the key itself, which is never stored. */
export async function mintApiKey(db: Queryable, name: string, requested: readonly ApiKeyScope[], expiresAt: Date | null = null): Promise<string> {
  const { key } = await mintApiKeyRecord(db, { name, scopes: requested, expiresAt });
  return key;
}

/** A new key or customer token: the stored row and the secret, which only the caller ever sees. */
export async function mintApiKeyRecord(
  db: Queryable,
  k: { name: string; scopes: readonly ApiKeyScope[]; expiresAt: Date | null; customerId?: string },
): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey();
  const row = await insertApiKey(db, {
    id: newId('key'),
    name: k.name,
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 8),
    scopes: [...new Set(k.scopes)],
    customerId: k.customerId,
    expiresAt: k.expiresAt,
  });
  return { row, key };
}

export function apiKeyJson(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    key_prefix: row.key_prefix,
    scopes: row.scopes,
    customer_id: row.customer_id,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

export function apiKeysRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(createApiKeyRoute, async (c) => {
    const body = c.req.valid('json');
    const deps = c.get('deps');
    const expiresAt = resolveExpiry(body, deps.now());
    const { row, key } = await mintApiKeyRecord(deps.pool, { name: body.name, scopes: body.scopes, expiresAt });
    return c.json({ id: row.id, name: row.name, scopes: row.scopes, expires_at: row.expires_at?.toISOString() ?? null, key }, 201);
  });

  app.openapi(listApiKeysRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listApiKeys(c.get('deps').pool, { customerId: q.customer_id, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(apiKeyJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(revokeApiKeyRoute, async (c) => {
    const revoked = await revokeApiKey(c.get('deps').pool, c.req.valid('param').id);
    if (!revoked) throw new NotFoundError('no such API key');
    c.get('log').info({ apiKeyId: revoked.id, by: c.get('principal').apiKeyId }, 'API key revoked');
    return c.body(null, 204);
  });
  return app;
}
