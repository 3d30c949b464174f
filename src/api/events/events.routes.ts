import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: 'Return events with a larger id', example: 0 }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  aggregate_id: z.string().max(100).optional().openapi({ description: 'Only events of this payment, subscription, …' }),
});

export const Event = z
  .object({
    id: z.number().int(),
    type: z.string().openapi({ example: 'payment.succeeded' }),
    aggregate_type: z.string(),
    aggregate_id: z.string(),
    payload: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi('Event');

export const EventPage = z
  .object({
    data: z.array(Event),
    next_cursor: z.number().int().nullable().openapi({ description: 'Pass as `after` for the next page; null when caught up' }),
  })
  .openapi('EventPage');

export const listEventsRoute = createRoute({
  method: 'get',
  path: '/v1/events',
  tags: ['Events'],
  summary: 'Read the event feed in order',
  description:
    'Every state change, in commit-safe id order: an event never appears behind one you already read. Poll with `after` = the last id you processed.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { query: EventsQuery },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: EventPage } } },
    ...problemResponses(400, 401, 403),
  },
});
