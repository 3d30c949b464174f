import type pg from 'pg';
import { claimNotificationAttempt, findNotification, markNotificationFailed, markNotificationSent, noteNotificationError } from '../db/notification-sends.js';
import { MailSendError, type Mailer } from '../notifications/mailer.js';
import { renderEmail, TemplateError } from '../notifications/render.js';

export interface NotificationActivityDeps {
  pool: pg.Pool;
  /** Absent without SMTP_URL: then the outbox queues and starts nothing, so no send runs. */
  mailer?: Mailer | undefined;
  /** EMAIL_TEMPLATES_DIR: a deployment's replacements for the built-in templates. */
  emailTemplatesDir?: string | undefined;
  /** The host of Message-IDs (<ntf_…@host>), from MAIL_FROM; localhost when absent. */
  messageIdHost?: string | undefined;
}

/**
 * What one try of sending did. `skipped`: the row is no longer queued (an earlier try sent it and
 * its reply to Temporal was lost). A transient failure is not an answer: the activity throws and
 * Temporal retries it (NOTIFICATION_SENDING).
 */
export type NotificationSendAnswer =
  | { kind: 'sent'; subject: string; messageId: string; rejected: string[] }
  | { kind: 'permanent'; subject: string | null; error: string }
  | { kind: 'skipped'; status: 'sent' | 'failed' | 'missing' };

export function createNotificationActivities(deps: NotificationActivityDeps) {
  return {
    /** Renders the notification's templates in its locale and hands the e-mail to SMTP; records nothing but the try. */
    async sendNotificationEmail(input: { notificationId: string }): Promise<NotificationSendAnswer> {
      const row = await claimNotificationAttempt(deps.pool, input.notificationId);
      if (!row) {
        const now = await findNotification(deps.pool, input.notificationId);
        return { kind: 'skipped', status: now?.status === 'sent' || now?.status === 'failed' ? now.status : 'missing' };
      }
      if (!deps.mailer) throw new Error('SMTP_URL is not set on this worker: the e-mail waits for a worker that has it');
      let rendered;
      try {
        rendered = await renderEmail(row.type, row.locale, row.data, deps.emailTemplatesDir);
      } catch (err) {
        // A template with a hole or no template at all: no retry makes it whole.
        if (err instanceof TemplateError) return { kind: 'permanent', subject: null, error: `template: ${err.message}` };
        throw err;
      }
      try {
        const sent = await deps.mailer.send({ to: row.recipients, ...rendered, messageId: `<${row.id}@${deps.messageIdHost ?? 'localhost'}>` });
        return { kind: 'sent', subject: rendered.subject, messageId: sent.messageId, rejected: sent.rejected };
      } catch (err) {
        if (err instanceof MailSendError && err.kind === 'permanent') return { kind: 'permanent', subject: rendered.subject, error: err.message };
        const message = err instanceof Error ? err.message : String(err);
        // The row says why it waits; losing that note (the database away too) must not hide the SMTP error.
        await noteNotificationError(deps.pool, row.id, message).catch(() => undefined);
        // The SDK logs the failed try (WARN, with the notification's workflow id); Temporal retries it.
        throw err;
      }
    },

    async recordNotificationSent(input: { notificationId: string; subject: string; messageId: string; rejected: string[] }): Promise<void> {
      const note = input.rejected.length ? `the server refused ${input.rejected.join(', ')}` : null;
      await markNotificationSent(deps.pool, input.notificationId, { subject: input.subject, messageId: input.messageId, note });
    },

    /** Failed for good; `error` undefined keeps the row's last transient error (the sending gave up). */
    async recordNotificationFailed(input: { notificationId: string; error: string | undefined; subject: string | null }): Promise<void> {
      const row = await findNotification(deps.pool, input.notificationId);
      const error = input.error ?? `gave up: ${row?.last_error ?? 'SMTP did not take it in time'}`;
      await markNotificationFailed(deps.pool, input.notificationId, error.slice(0, 1000), input.subject);
    },
  };
}
