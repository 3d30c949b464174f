import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../../events/catalog.js';
import { EventSchema } from '../../events/openapi.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

/** More types than the catalog holds is not a filter anyone needs; the cap keeps the query's array small. */
const MAX_TYPES = 50;

export const EventsQuery = z.object({
  after: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: '`next_cursor` of the previous page, unchanged; absent or `0` reads from the beginning. An event id is refused (400): it is not a place in the feed; the 400 names a cursor that goes on from that id once without skipping any', example: '0' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  aggregate_id: z.string().max(100).optional().openapi({ description: 'Only events of this payment, subscription, …' }),
  // One `type=` is a string to the validator, a repeated one an array: both become an array.
  type: z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.enum(EVENT_TYPES)).min(1).max(MAX_TYPES))
    .optional()
    .openapi({ description: 'Only events of these types; repeat it for several (`type=payment.succeeded&type=refund.succeeded`)' }),
});

export const EventPage = z
  .object({
    data: z.array(EventSchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({
        description:
          'Opaque: the place after this page\'s last event. Pass it back unchanged as `after` — also after a page shorter than `limit` (caught up for now: the next events come after it). Null only when the page is empty: nothing after `after` yet, so poll again with the same `after`.',
      }),
  })
  .openapi('EventPage');

export const listEventsRoute = createRoute({
  method: 'get',
  path: '/v1/events',
  tags: ['Events'],
  summary: 'Read the event feed in order',
  description:
    'Every state change, in the order in which transactions wrote them, which is never behind one already read: by the id of the transaction that wrote the event (taken at its first write), then by event id, and an event is listed only once every transaction that could still write one before it has finished, so a reader that passes `next_cursor` back misses none and gets none twice. This is not event id order, and not a business order: across aggregates none is promised, and one aggregate\'s events are ordered by `aggregate_version` (two transactions writing one aggregate at once may be listed with the later version first). With `aggregate_id` and `type`, only those events, paged with the same cursor.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { query: EventsQuery },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: EventPage } } },
    ...problemResponses(400, 401, 403),
  },
});

export const EventIdParam = z.object({
  // Digits only, and within bigint: an event's id is the events table's serial.
  id: z.string().regex(/^[1-9]\d{0,17}$/, 'an event id is a positive integer').openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
});

export const getEventRoute = createRoute({
  method: 'get',
  path: '/v1/events/{id}',
  tags: ['Events'],
  summary: 'Read one event',
  description:
    'The event exactly as the feed lists it and its webhook carried it. 404 for an id that does not exist — or not yet: an event the feed holds back (an older transaction is still open) is not shown here either.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: EventIdParam },
  responses: {
    200: { description: 'The event', content: { 'application/json': { schema: EventSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});
