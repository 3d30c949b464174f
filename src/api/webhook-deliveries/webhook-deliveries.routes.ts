import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdParam, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'canceled'] as const;

/** How far back a recover reaches: deliveries older than this have long stopped mattering to a receiver. */
export const RECOVER_MAX_AGE_DAYS = 30;
/** The newest attempts a delivery's detail lists (each carries up to 4 KB of the answer). */
export const ATTEMPTS_SHOWN = 100;

export const WebhookDelivery = z
  .object({
    id: z.string().openapi({ example: 'whd_q0c1UuJ3D2kq3oS7' }),
    event_id: z.number().int(),
    event_type: z.string().openapi({ example: 'payment.succeeded' }),
    endpoint_id: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    run: z.number().int().openapi({ description: 'Which sending: 1, then one more per retry or recover' }),
    attempt_count: z.number().int().openapi({ description: 'Attempts made in this run' }),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi('WebhookDelivery');
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookAttempt = z
  .object({
    run: z.number().int(),
    attempt: z.number().int(),
    started_at: z.string(),
    latency_ms: z.number().int(),
    status_code: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null when none came (timeout, refused address)" }),
    response_excerpt: z.string().nullable().openapi({ description: 'The first 4 KB of the answer' }),
    error: z.string().nullable(),
  })
  .openapi('WebhookAttempt');

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  attempts: z.array(WebhookAttempt).openapi({ description: `Every attempt of every run, newest first (the newest ${ATTEMPTS_SHOWN})` }),
}).openapi('WebhookDeliveryDetail');
export type WebhookDeliveryDetail = z.infer<typeof WebhookDeliveryDetail>;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const tags = ['Webhooks'];
const DeliveryPage = pageOf(WebhookDelivery).openapi('WebhookDeliveryPage');
const DeliveryQuery = z.object({ status: z.enum(DELIVERY_STATUSES).optional(), ...PageQuery });

export const listEndpointDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-endpoints/{id}/deliveries',
  tags,
  summary: "An endpoint's deliveries, newest first",
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('we_q0c1UuJ3D2kq3oS7'), query: DeliveryQuery },
  responses: { 200: { description: 'A page', ...json(DeliveryPage) }, ...problemResponses(400, 401, 403, 404) },
});

export const listEventDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/events/{id}/deliveries',
  tags,
  summary: "An event's deliveries (one per endpoint it went to), newest first",
  description: "Deleted endpoints' deliveries included.",
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    params: z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ param: { name: 'id', in: 'path' }, example: 42 }) }),
    query: DeliveryQuery,
  },
  responses: { 200: { description: 'A page', ...json(DeliveryPage) }, ...problemResponses(400, 401, 403, 404) },
});

export const getDeliveryRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-deliveries/{id}',
  tags,
  summary: 'Get a delivery with its attempts',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('whd_q0c1UuJ3D2kq3oS7') },
  responses: { 200: { description: 'The delivery', ...json(WebhookDeliveryDetail) }, ...problemResponses(401, 403, 404) },
});

export const retryDeliveryRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-deliveries/{id}/retry',
  tags,
  summary: 'Send a finished delivery again',
  description:
    'A failed, succeeded or canceled delivery is sent again in a new run (its own schedule of attempts; same webhook-id, so a receiver ' +
    'that has it already can tell). 409 while it is still pending, or when its endpoint is disabled or deleted.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: IdParam('whd_q0c1UuJ3D2kq3oS7') },
  responses: { 202: { description: 'The delivery, pending again', ...json(WebhookDelivery) }, ...problemResponses(401, 403, 404, 409) },
});

export const RecoverBody = z
  .object({
    since: z.iso.datetime({ offset: true }).openapi({
      description: `Every delivery created at or after this time that never arrived (failed, or canceled while the endpoint was disabled) is sent again; at most ${RECOVER_MAX_AGE_DAYS} days ago (RFC 3339)`,
      example: '2026-11-30T00:00:00Z',
    }),
  })
  .strict()
  .openapi('RecoverDeliveries');

export const recoverDeliveriesRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-endpoints/{id}/recover',
  tags,
  summary: "Send an endpoint's failed deliveries again",
  description:
    'For a receiver that was down: each delivery since `since` that failed, or was canceled while the endpoint was disabled, starts a new run. ' +
    '409 when the endpoint is disabled (enable it first).',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: IdParam('we_q0c1UuJ3D2kq3oS7'), body: { required: true, ...json(RecoverBody) } },
  responses: {
    202: { description: 'How many deliveries were queued', ...json(z.object({ requeued: z.number().int() }).openapi('RecoverResult')) },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});
