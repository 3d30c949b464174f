import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../../events/catalog.js';
import { ENDPOINT_URL_MAX_LENGTH } from '../../webhooks/endpoint-url.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdempotencyHeaders, IdParam, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

/** An event type an endpoint subscribes to: `*` (every type) or one of the catalog's types. */
const EventTypeName = z
  .enum(['*', ...EVENT_TYPES], { error: 'must be "*" or one of the event types (README, "Events")' })
  .openapi({ example: 'payment.succeeded' });

const EventTypes = z
  .array(EventTypeName)
  .min(1, 'name at least one event type, or ["*"] for all (to receive nothing, set enabled: false)')
  .max(100)
  .refine((types) => !types.includes('*') || types.length === 1, '"*" already means every type: send it alone')
  // The same types in any order and repetition are one subscription.
  .transform((types) => [...new Set(types)].sort())
  .openapi({ description: 'The event types to receive; ["*"] (the default) is every type', example: ['payment.succeeded', 'temporary_payment.created'] });

const Url = z.string().min(1).max(ENDPOINT_URL_MAX_LENGTH).openapi({
  description:
    'Where deliveries are POSTed: http(s), no credentials, https only in production. An address or name that is not public ' +
    '(loopback, private, link-local, .local, .internal, a name without a domain) is refused unless OUTBOUND_ALLOWED_HOSTS lists it; ' +
    'names are checked again against every address they resolve to at send time.',
  example: 'https://billing.example.com/tollgate/webhooks',
});
const Description = z.string().max(500).openapi({ example: 'LMS production' });

export const CreateWebhookEndpointBody = z
  .object({
    url: Url,
    event_types: EventTypes.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional().openapi({ description: 'Default true' }),
  })
  .strict()
  .openapi('CreateWebhookEndpoint');
export type CreateWebhookEndpointBody = z.infer<typeof CreateWebhookEndpointBody>;

export const UpdateWebhookEndpointBody = z
  .object({ url: Url.optional(), event_types: EventTypes.optional(), description: Description.optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'name at least one of url, event_types, description, enabled')
  .openapi('UpdateWebhookEndpoint');
export type UpdateWebhookEndpointBody = z.infer<typeof UpdateWebhookEndpointBody>;

export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ example: 'we_q0c1UuJ3D2kq3oS7' }),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z.enum(['user', 'gone', 'failing']).nullable().openapi({ description: "Why it is off: 'user' (this API), 'gone' (it answered 410), 'failing' (failed for days)" }),
    disabled_at: z.string().nullable(),
    failing_since: z.string().nullable().openapi({ description: 'The first failed attempt since its last success; null while it succeeds' }),
    secret_rotating_until: z.string().nullable().openapi({ description: 'Until then the previous secret signs too, beside the current one' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

const Secret = z.string().openapi({
  description: 'The signing secret (Standard Webhooks, whsec_ + base64). Shown only when the endpoint is created and when it is rotated: keep it.',
  example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
});
export const WebhookEndpointWithSecret = WebhookEndpoint.extend({ secret: Secret }).openapi('WebhookEndpointWithSecret');
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const tags = ['Webhooks'];
const EndpointId = IdParam('we_q0c1UuJ3D2kq3oS7');

export const createWebhookEndpointRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-endpoints',
  tags,
  summary: 'Register a webhook endpoint',
  description:
    'Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). The answer carries the signing `secret`, ' +
    'shown only here and on rotation. 422 for a URL that is not public, or beyond WEBHOOK_MAX_ENDPOINTS live endpoints.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { headers: IdempotencyHeaders, body: { required: true, ...json(CreateWebhookEndpointBody) } },
  responses: { 201: { description: 'The endpoint, with its secret', ...json(WebhookEndpointWithSecret) }, ...problemResponses(400, 401, 403, 409, 422) },
});

export const listWebhookEndpointsRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-endpoints',
  tags,
  summary: 'List webhook endpoints, newest first (never their secrets)',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { query: z.object(PageQuery) },
  responses: { 200: { description: 'A page', ...json(pageOf(WebhookEndpoint).openapi('WebhookEndpointPage')) }, ...problemResponses(400, 401, 403) },
});

export const getWebhookEndpointRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-endpoints/{id}',
  tags,
  summary: 'Get a webhook endpoint',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: EndpointId },
  responses: { 200: { description: 'The endpoint', ...json(WebhookEndpoint) }, ...problemResponses(401, 403, 404) },
});

export const updateWebhookEndpointRoute = createRoute({
  method: 'patch',
  path: '/v1/webhook-endpoints/{id}',
  tags,
  summary: 'Change a webhook endpoint',
  description:
    '`enabled: true` turns it back on whatever turned it off and forgets its failures (failing_since); `enabled: false` turns it off ' +
    "(disabled_reason 'user'). Deliveries not yet made go to the new URL and by the new event types from the next event on.",
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: EndpointId, body: { required: true, ...json(UpdateWebhookEndpointBody) } },
  responses: { 200: { description: 'The endpoint', ...json(WebhookEndpoint) }, ...problemResponses(400, 401, 403, 404, 422) },
});

export const deleteWebhookEndpointRoute = createRoute({
  method: 'delete',
  path: '/v1/webhook-endpoints/{id}',
  tags,
  summary: 'Delete a webhook endpoint',
  description: 'Its deliveries still being tried are canceled; its past deliveries stay readable by id and by event. The endpoint is then 404.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: EndpointId },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404) },
});

export const rotateWebhookSecretRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-endpoints/{id}/rotate-secret',
  tags,
  summary: 'Rotate the signing secret',
  description:
    'Answers the new secret. For 24 hours every delivery is signed with both (two v1 signatures in webhook-signature), so the receiver ' +
    'can switch without missing one. Rotating again within those hours drops the oldest secret at once. Send an Idempotency-Key: a retry ' +
    'then answers the same new secret instead of rotating twice.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: EndpointId, headers: IdempotencyHeaders },
  responses: { 200: { description: 'The endpoint, with its new secret', ...json(WebhookEndpointWithSecret) }, ...problemResponses(400, 401, 403, 404, 409, 422) },
});
