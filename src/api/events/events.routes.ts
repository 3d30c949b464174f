import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../../events/catalog.js';
import { EventSchema } from '../../events/openapi.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

/** More types than the catalog holds is not a filter anyone needs; the cap keeps the query's array small. */
const MAX_TYPES = 50;

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: 'Return events with a larger id', example: 0 }),
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
    next_cursor: z.number().int().nullable().openapi({ description: 'Pass as `after` for the next page; null when caught up' }),
  })
  .openapi('EventPage');

export const listEventsRoute = createRoute({
  method: 'get',
  path: '/v1/events',
  tags: ['Events'],
  summary: 'Read the event feed in order',
  description:
    'Every state change, in commit-safe id order: an event never appears behind one you already read. Poll with `after` = the last id you processed. With `type`, only those types (the cursor still moves by id).',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { query: EventsQuery },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: EventPage } } },
    ...problemResponses(400, 401, 403),
  },
});

export const EventIdParam = z.object({
  // Digits only, and within bigint: the id is the feed's serial.
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
