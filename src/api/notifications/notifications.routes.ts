import { createRoute, z } from '@hono/zod-openapi';
import { ADMIN_NOTIFICATION_TYPES, CUSTOMER_NOTIFICATION_TYPES, NOTIFICATION_LOCALES } from '../../notifications/types.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdParam, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

export const NOTIFICATION_TYPES = [...CUSTOMER_NOTIFICATION_TYPES, ...ADMIN_NOTIFICATION_TYPES] as const;
export const NOTIFICATION_STATUSES = ['queued', 'sent', 'failed'] as const;

/**
 * One e-mail of the log. The template's data is left out: it can hold a payment link's token (a
 * bearer capability to pay) and customer details the admin alerts gather; the subject and the
 * recipients say what went where.
 */
export const Notification = z
  .object({
    id: z.string().openapi({ example: 'ntf_3xZ1p0H5nq2Lr8bE' }),
    type: z.enum(NOTIFICATION_TYPES),
    audience: z.enum(['customer', 'admin']),
    customer_id: z.string().nullable(),
    event_id: z.string().nullable().openapi({ description: 'The event that caused it (GET /v1/events), null for alerts' }),
    recipients: z.array(z.string()),
    locale: z.enum(NOTIFICATION_LOCALES),
    status: z.enum(NOTIFICATION_STATUSES).openapi({
      description: 'queued: not sent yet (an SMTP outage keeps it here while retries go on, up to a week); sent: the SMTP server took it; failed: refused for good (5xx), a broken template, or a week without SMTP',
    }),
    attempts: z.number().int().openapi({ description: 'Tries to hand it to SMTP so far' }),
    subject: z.string().nullable(),
    message_id: z.string().nullable().openapi({ description: 'Its Message-ID header once sent' }),
    last_error: z.string().nullable().openapi({ description: 'Why the last try did not send (or, when sent, recipients the server refused)' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
    sent_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('Notification');
export type Notification = z.infer<typeof Notification>;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

export const listNotificationsRoute = createRoute({
  method: 'get',
  path: '/v1/notifications',
  tags: ['Notifications'],
  summary: 'The e-mail log, newest first',
  description: 'Every e-mail Tollgate queued, sent or failed to send. Filters combine (AND). Page with `next_cursor`.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      customer_id: z.string().max(100).optional(),
      type: z.enum(NOTIFICATION_TYPES).optional(),
      status: z.enum(NOTIFICATION_STATUSES).optional(),
      ...PageQuery,
    }),
  },
  responses: { 200: { description: 'A page', ...json(pageOf(Notification).openapi('NotificationPage')) }, ...problemResponses(400, 401, 403) },
});

export const getNotificationRoute = createRoute({
  method: 'get',
  path: '/v1/notifications/{id}',
  tags: ['Notifications'],
  summary: 'Get one e-mail of the log',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('ntf_3xZ1p0H5nq2Lr8bE') },
  responses: { 200: { description: 'The notification', ...json(Notification) }, ...problemResponses(401, 403, 404) },
});
