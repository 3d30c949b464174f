import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '../../domain/errors.js';
import { findWebhookEndpoint, listWebhookEndpoints } from '../../db/webhook-endpoints.js';
import { callerOf } from '../caller.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { idempotent } from '../idempotency.js';
import { createEndpoint, deleteEndpoint, rotateSecret, updateEndpoint } from './endpoint-changes.js';
import { endpointJson, endpointWithSecretJson } from './endpoint-json.js';
import {
  createWebhookEndpointRoute,
  deleteWebhookEndpointRoute,
  getWebhookEndpointRoute,
  listWebhookEndpointsRoute,
  rotateWebhookSecretRoute,
  updateWebhookEndpointRoute,
} from './webhook-endpoints.routes.js';

/**
 * Webhook endpoints: where events are POSTed, signed (Standard Webhooks). The secret leaves the
 * server in two answers only — creation and rotation — both replayable by Idempotency-Key, because
 * a caller that lost the answer has no other way to learn the secret it now needs.
 */
export function webhookEndpointsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createWebhookEndpointRoute, async (c) => {
    const body = c.req.valid('json');
    const deps = c.get('deps');
    const result = await idempotent(callerOf(c), 'webhook_endpoints.create', body, async (tx) => ({
      status: 201 as const,
      body: endpointWithSecretJson(await createEndpoint(deps, tx, body), deps.now()),
    }));
    return c.json(result.body, 201);
  });

  app.openapi(listWebhookEndpointsRoute, async (c) => {
    const q = c.req.valid('query');
    const deps = c.get('deps');
    const rows = await listWebhookEndpoints(deps.pool, { before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    const now = deps.now();
    return c.json({ data: p.data.map((r) => endpointJson(r, now)), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getWebhookEndpointRoute, async (c) => {
    const deps = c.get('deps');
    const row = await findWebhookEndpoint(deps.pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such webhook endpoint');
    return c.json(endpointJson(row, deps.now()), 200);
  });

  app.openapi(updateWebhookEndpointRoute, async (c) => {
    const deps = c.get('deps');
    const row = await updateEndpoint(deps, c.req.valid('param').id, c.req.valid('json'));
    return c.json(endpointJson(row, deps.now()), 200);
  });

  app.openapi(deleteWebhookEndpointRoute, async (c) => {
    await deleteEndpoint(c.get('deps'), c.req.valid('param').id);
    return c.body(null, 204);
  });

  app.openapi(rotateWebhookSecretRoute, async (c) => {
    const id = c.req.valid('param').id;
    const deps = c.get('deps');
    const result = await idempotent(callerOf(c), 'webhook_endpoints.rotate_secret', { id }, async (tx) => ({
      status: 200 as const,
      body: endpointWithSecretJson(await rotateSecret(deps, tx, id), deps.now()),
    }));
    return c.json(result.body, 200);
  });

  return app;
}
