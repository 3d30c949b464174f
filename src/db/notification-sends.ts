import type { NotificationRow } from './notifications.js';
import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';

// The send state of a notification (migration 0018), written only by its workflow notification:<id>
// and, for workflow_started_at, by the outbox that starts it.

const COLUMNS = `id, type, audience, customer_id, event_id, dedupe_key, recipients, locale, data, status, attempts, subject,
  message_id, last_error, workflow_started_at, created_at, updated_at, sent_at`;

export async function findNotification(db: Queryable, id: string): Promise<NotificationRow | undefined> {
  const res = await db.query<NotificationRow>({ text: `SELECT ${COLUMNS} FROM notifications WHERE id = $1`, values: [id] });
  return res.rows[0];
}

/**
 * Counts one more try and returns the row, or undefined when it is no longer queued (sent or failed
 * by an earlier try whose reply was lost): the check that keeps a retried activity from sending twice.
 */
export async function claimNotificationAttempt(db: Queryable, id: string): Promise<NotificationRow | undefined> {
  const res = await db.query<NotificationRow>({
    text: `UPDATE notifications SET attempts = attempts + 1, updated_at = now()
            WHERE id = $1 AND status = 'queued' RETURNING ${COLUMNS}`,
    values: [id],
  });
  return res.rows[0];
}

/** Why the last try did not send (a transient failure the workflow retries). */
export async function noteNotificationError(db: Queryable, id: string, error: string): Promise<void> {
  await db.query({ text: `UPDATE notifications SET last_error = $2, updated_at = now() WHERE id = $1 AND status = 'queued'`, values: [id, error] });
}

/** Sent: kept only from queued, so a repeated record changes nothing. `note` names recipients the server refused. */
export async function markNotificationSent(db: Queryable, id: string, s: { subject: string; messageId: string; note: string | null }): Promise<void> {
  await db.query({
    text: `UPDATE notifications SET status = 'sent', subject = $2, message_id = $3, last_error = $4, sent_at = now(), updated_at = now()
            WHERE id = $1 AND status = 'queued'`,
    values: [id, s.subject, s.messageId, s.note],
  });
}

export async function markNotificationFailed(db: Queryable, id: string, error: string, subject: string | null): Promise<void> {
  await db.query({
    text: `UPDATE notifications SET status = 'failed', last_error = $2, subject = COALESCE($3, subject), updated_at = now()
            WHERE id = $1 AND status = 'queued'`,
    values: [id, error, subject],
  });
}

/** The oldest notifications whose workflow the outbox has not started yet (notifications_unstarted_idx). */
export async function unstartedNotifications(db: Queryable, limit: number): Promise<Array<Pick<NotificationRow, 'id' | 'customer_id'>>> {
  const res = await db.query<Pick<NotificationRow, 'id' | 'customer_id'>>({
    text: `SELECT id, customer_id FROM notifications WHERE workflow_started_at IS NULL ORDER BY created_at, id LIMIT $1::int`,
    values: [limit],
  });
  return res.rows;
}

export async function markNotificationStarted(db: Queryable, id: string): Promise<void> {
  await db.query({ text: `UPDATE notifications SET workflow_started_at = now() WHERE id = $1 AND workflow_started_at IS NULL`, values: [id] });
}

export interface NotificationFilter {
  customerId?: string | undefined;
  type?: string | undefined;
  status?: string | undefined;
  before?: Keyset | undefined;
  limit: number;
}

/** The e-mail log, newest first, keyset-paged by (created_at, id). */
export async function listNotifications(db: Queryable, f: NotificationFilter): Promise<Array<NotificationRow & { cursor_at: string }>> {
  const res = await db.query<NotificationRow & { cursor_at: string }>({
    text: `SELECT ${COLUMNS}, ${CURSOR_AT} FROM notifications
            WHERE ($1::text IS NULL OR customer_id = $1::text)
              AND ($2::text IS NULL OR type = $2::text)
              AND ($3::text IS NULL OR status = $3::text)
              AND ${beforeKeyset(4)}
            ORDER BY created_at DESC, id DESC LIMIT $6::int`,
    values: [f.customerId ?? null, f.type ?? null, f.status ?? null, ...keysetValues(f.before), f.limit],
  });
  return res.rows;
}
