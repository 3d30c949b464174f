import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '../../domain/errors.js';
import { eventExists } from '../../db/events.js';
import { findWebhookDelivery, listWebhookAttempts, listWebhookDeliveries } from '../../db/webhook-deliveries.js';
import { findWebhookEndpoint } from '../../db/webhook-endpoints.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { deliveryDetailJson, deliveryJson } from './delivery-json.js';
import { recoverDeliveries, retryDelivery } from './resend.js';
import {
  ATTEMPTS_SHOWN,
  getDeliveryRoute,
  listEndpointDeliveriesRoute,
  listEventDeliveriesRoute,
  recoverDeliveriesRoute,
  retryDeliveryRoute,
} from './webhook-deliveries.routes.js';

/** What was sent where, every attempt of it, and sending it again. */
export function webhookDeliveriesRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listEndpointDeliveriesRoute, async (c) => {
    const { pool } = c.get('deps');
    const endpointId = c.req.valid('param').id;
    const q = c.req.valid('query');
    if (!(await findWebhookEndpoint(pool, endpointId))) throw new NotFoundError('no such webhook endpoint');
    const rows = await listWebhookDeliveries(pool, { endpointId, status: q.status, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(deliveryJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(listEventDeliveriesRoute, async (c) => {
    const { pool } = c.get('deps');
    const eventId = BigInt(c.req.valid('param').id);
    const q = c.req.valid('query');
    if (!(await eventExists(pool, eventId))) throw new NotFoundError('no such event');
    const rows = await listWebhookDeliveries(pool, { eventId, status: q.status, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(deliveryJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getDeliveryRoute, async (c) => {
    const { pool } = c.get('deps');
    const id = c.req.valid('param').id;
    const row = await findWebhookDelivery(pool, id);
    if (!row) throw new NotFoundError('no such webhook delivery');
    return c.json(deliveryDetailJson(row, await listWebhookAttempts(pool, id, ATTEMPTS_SHOWN)), 200);
  });

  app.openapi(retryDeliveryRoute, async (c) => {
    const row = await retryDelivery(c.get('deps'), c.req.valid('param').id);
    return c.json(deliveryJson(row), 202);
  });

  app.openapi(recoverDeliveriesRoute, async (c) => {
    const requeued = await recoverDeliveries(c.get('deps'), c.req.valid('param').id, c.req.valid('json').since);
    return c.json({ requeued }, 202);
  });

  return app;
}
