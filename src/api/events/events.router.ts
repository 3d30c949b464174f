import { OpenAPIHono } from '@hono/zod-openapi';
import { listEventsAfter } from '../../db/events.js';
import type { AppEnv } from '../env.js';
import { listEventsRoute } from './events.routes.js';

export function eventsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listEventsAfter(c.get('deps').pool, { after: BigInt(q.after), limit: q.limit, aggregateId: q.aggregate_id });
    const data = rows.map((r) => ({
      id: Number(r.id),
      type: r.type,
      aggregate_type: r.aggregate_type,
      aggregate_id: r.aggregate_id,
      payload: r.payload,
      created_at: r.created_at.toISOString(),
    }));
    const last = data.at(-1);
    return c.json({ data, next_cursor: data.length === q.limit && last ? last.id : null }, 200);
  });
  return app;
}
