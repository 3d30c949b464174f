import { OpenAPIHono } from '@hono/zod-openapi';
import { findEvent, listEventsAfter, resumePositionAfterId } from '../../db/events.js';
import { NotFoundError } from '../../domain/errors.js';
import { eventJson } from '../../events/event-json.js';
import type { AppEnv } from '../env.js';
import { getEventRoute, listEventsRoute } from './events.routes.js';
import { decodeFeedCursor, encodeFeedCursor, LEGACY_EVENT_ID, legacyIdRefused } from './feed-cursor.js';

export function eventsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listEventsRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.after !== undefined && LEGACY_EVENT_ID.test(q.after)) throw legacyIdRefused(q.after, await resumePositionAfterId(c.get('deps').pool, BigInt(q.after)));
    const rows = await listEventsAfter(c.get('deps').pool, { after: decodeFeedCursor(q.after), limit: q.limit, aggregateId: q.aggregate_id, types: q.type });
    // A feed, not a list (so not pageOf): its last page grows, and a reader can only go on from a
    // cursor, never from an event's id, so every page that read something says where it ended.
    const last = rows.at(-1);
    return c.json({ data: rows.map(eventJson), next_cursor: last ? encodeFeedCursor({ txId: last.tx_id, id: last.id }) : null }, 200);
  });
  app.openapi(getEventRoute, async (c) => {
    const row = await findEvent(c.get('deps').pool, BigInt(c.req.valid('param').id));
    if (!row) throw new NotFoundError('no such event');
    return c.json(eventJson(row), 200);
  });
  return app;
}
