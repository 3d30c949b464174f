import { createRoute, z } from '@hono/zod-openapi';
import { API_KEY_SCOPES } from '../../db/api-keys.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdParam, pageOf, PageQuery, problemResponses } from '../openapi-common.js';
import { ExpiryFields } from './expiry.js';

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: 'LMS billing sync' }),
    scopes: z.array(z.enum(['admin', 'billing', 'read'])).min(1).openapi({ example: ['billing'] }),
    ...ExpiryFields,
  })
  .strict()
  .openapi('CreateApiKey');

/** A key as listed: never its secret or its hash. */
export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    key_prefix: z.string().openapi({ description: 'The first characters of the key, to tell keys apart' }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    customer_id: z.string().nullable().openapi({ description: 'Set for customer tokens' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    expires_at: z.string().nullable().openapi({ format: 'date-time' }),
    revoked_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('ApiKey');
export type ApiKey = z.infer<typeof ApiKey>;

export const CreatedApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    expires_at: z.string().nullable().openapi({ format: 'date-time' }),
    key: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
  })
  .openapi('CreatedApiKey');

export const createApiKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['Access'],
  summary: 'Mint an API key (admin)',
  description: 'Keys never expire unless `expires_at` or `expires_in` says when.',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBody } } } },
  responses: {
    201: { description: 'The key, shown once', content: { 'application/json': { schema: CreatedApiKey } } },
    ...problemResponses(400, 401, 403),
  },
});

export const listApiKeysRoute = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  tags: ['Access'],
  summary: 'List API keys and customer tokens, newest first, without their secrets (admin)',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: { query: z.object({ customer_id: z.string().max(100).optional(), ...PageQuery }) },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: pageOf(ApiKey).openapi('ApiKeyPage') } } },
    ...problemResponses(400, 401, 403),
  },
});

export const revokeApiKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  tags: ['Access'],
  summary: 'Revoke an API key or customer token (admin)',
  description:
    'From the next request on, the key is refused with 401. Revoking is final and idempotent (a second DELETE is 204 too). A key may revoke itself. ' +
    'A revoked TOLLGATE_ADMIN_API_KEY stays revoked across restarts; configure a new one.',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam('key_3xZ1p0H5nq2Lr8bE') },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(401, 403, 404) },
});
