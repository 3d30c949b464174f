import { randomBytes } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { API_KEY_SCOPES, type ApiKeyScope, insertApiKey } from '../../db/api-keys.js';
import type { Queryable } from '../../db/pool.js';
import { newId } from '../../db/ids.js';
import type { AppEnv } from '../env.js';
import { hashApiKey, requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: 'LMS billing sync' }),
    scopes: z.array(z.enum(['admin', 'billing', 'read'])).min(1).openapi({ example: ['billing'] }),
  })
  .strict()
  .openapi('CreateApiKey');

const CreatedApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    key: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
  })
  .openapi('CreatedApiKey');

const createApiKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['Access'],
  summary: 'Mint an API key (admin)',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBody } } } },
  responses: {
    201: { description: 'The key, shown once', content: { 'application/json': { schema: CreatedApiKey } } },
    ...problemResponses(400, 401, 403),
  },
});

/** Makes a new secret key: "tg_" and 32 random bytes. */
export function generateApiKey(): string {
  return `tg_${randomBytes(32).toString('base64url')}`;
}

/** Creates and stores (hashed) a new key; returns the key itself, which is never stored. */
export async function mintApiKey(db: Queryable, name: string, requested: readonly ApiKeyScope[]): Promise<string> {
  const { key } = await mintApiKeyRecord(db, name, requested);
  return key;
}

async function mintApiKeyRecord(db: Queryable, name: string, requested: readonly ApiKeyScope[]) {
  const key = generateApiKey();
  const id = newId('key');
  const scopes = [...new Set(requested)];
  await insertApiKey(db, { id, name, keyHash: hashApiKey(key), keyPrefix: key.slice(0, 8), scopes });
  return { id, name, scopes, key };
}

export function apiKeysRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(createApiKeyRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(await mintApiKeyRecord(c.get('deps').pool, body.name, body.scopes), 201);
  });
  return app;
}
