import { OpenAPIHono } from '@hono/zod-openapi';
import { findEvent, listEventsAfter } from '../../db/events.js';
import { NotFoundError } from '../../domain/errors.js';
import { eventJson } from '../../events/event-json.js';
import { pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { getEventRoute, listEventsRoute } from './events.routes.js';

export function eventsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listEventsAfter(c.get('deps').pool, { after: BigInt(q.after), limit: q.limit + 1, aggregateId: q.aggregate_id, types: q.type });
    // An ordered feed: the cursor is the last event's serial id, passed back as `after`.
    const p = pageOf(rows, q.limit, (last) => Number(last.id));
    return c.json({ data: p.data.map(eventJson), next_cursor: p.next_cursor }, 200);
  });
  app.openapi(getEventRoute, async (c) => {
    const row = await findEvent(c.get('deps').pool, BigInt(c.req.valid('param').id));
    if (!row) throw new NotFoundError('no such event');
    return c.json(eventJson(row), 200);
  });
  return app;
}
