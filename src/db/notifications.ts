import type { AdminNotificationType, CustomerNotificationType, NotificationLocale, NotificationType } from '../notifications/types.js';
import { newId } from './ids.js';
import type { Queryable } from './pool.js';

/** A row of `notifications` (migration 0018). */
export interface NotificationRow {
  id: string;
  type: NotificationType;
  audience: 'customer' | 'admin';
  customer_id: string | null;
  event_id: bigint | null;
  dedupe_key: string;
  recipients: string[];
  locale: NotificationLocale;
  data: Record<string, unknown>;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  subject: string | null;
  message_id: string | null;
  last_error: string | null;
  workflow_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

export type NewNotification =
  | { audience: 'customer'; type: CustomerNotificationType; customerId: string; eventId?: bigint; dedupeKey: string; recipients: string[]; locale: NotificationLocale; data: Record<string, unknown> }
  | { audience: 'admin'; type: AdminNotificationType; eventId?: bigint; dedupeKey: string; recipients: string[]; locale: NotificationLocale; data: Record<string, unknown> };

/**
 * Queues one e-mail in the caller's transaction; the outbox starts its workflow after the commit.
 * Returns the new id, or undefined when a notification with that dedupe key exists already (a
 * repeated fan-out, a second alert in the same time bucket).
 */
export async function insertNotification(db: Queryable, n: NewNotification): Promise<string | undefined> {
  const res = await db.query<{ id: string }>({
    text: `INSERT INTO notifications (id, type, audience, customer_id, event_id, dedupe_key, recipients, locale, data)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::text[], $8, $9::jsonb)
           ON CONFLICT (dedupe_key) DO NOTHING
           RETURNING id`,
    values: [
      newId('ntf'),
      n.type,
      n.audience,
      n.audience === 'customer' ? n.customerId : null,
      n.eventId?.toString() ?? null,
      n.dedupeKey,
      n.recipients,
      n.locale,
      JSON.stringify(n.data),
    ],
  });
  return res.rows[0]?.id;
}
