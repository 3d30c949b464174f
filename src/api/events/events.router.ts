import { OpenAPIHono } from '@hono/zod-openapi';
import { listEventsAfter } from '../../db/events.js';
import { pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { listEventsRoute } from './events.routes.js';

export function eventsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listEventsAfter(c.get('deps').pool, { after: BigInt(q.after), limit: q.limit + 1, aggregateId: q.aggregate_id });
    // An ordered feed: the cursor is the last event's serial id, passed back as `after`.
    const p = pageOf(rows, q.limit, (last) => Number(last.id));
    const data = p.data.map((r) => ({
      id: Number(r.id),
      type: r.type,
      aggregate_type: r.aggregate_type,
      aggregate_id: r.aggregate_id,
      payload: r.payload,
      created_at: r.created_at.toISOString(),
    }));
    return c.json({ data, next_cursor: p.next_cursor }, 200);
  });
  return app;
}
