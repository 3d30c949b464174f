import { OpenAPIHono } from '@hono/zod-openapi';
import { findNotification, listNotifications } from '../../db/notification-sends.js';
import type { NotificationRow } from '../../db/notifications.js';
import { NotFoundError } from '../../domain/errors.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { getNotificationRoute, listNotificationsRoute, type Notification } from './notifications.routes.js';

export function notificationJson(row: NotificationRow): Notification {
  return {
    id: row.id,
    type: row.type,
    audience: row.audience,
    customer_id: row.customer_id,
    event_id: row.event_id === null ? null : String(row.event_id),
    recipients: row.recipients,
    locale: row.locale,
    status: row.status,
    attempts: row.attempts,
    subject: row.subject,
    message_id: row.message_id,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    sent_at: row.sent_at?.toISOString() ?? null,
  };
}

/** The e-mail log (read scope): what went to whom, and why what did not go has not. */
export function notificationsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listNotificationsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listNotifications(c.get('deps').pool, { customerId: q.customer_id, type: q.type, status: q.status, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(notificationJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getNotificationRoute, async (c) => {
    const row = await findNotification(c.get('deps').pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such notification');
    return c.json(notificationJson(row), 200);
  });

  return app;
}
