import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { EventRow } from '../db/events.js';
import { markNotificationStarted, unstartedNotifications } from '../db/notification-sends.js';
import { insertNotification, type NewNotification } from '../db/notifications.js';
import { inTransaction } from '../db/pool.js';
import type { OutboxSink } from '../outbox/sink.js';
import { startNotificationWorkflow } from '../temporal/notification-start.js';
import { rulesFor as allRulesFor } from './all-rules.js';
import type { NotificationRule, RuleContext } from './rules.js';

export type NotificationSinkConfig = Pick<Config, 'SMTP_URL' | 'ADMIN_EMAILS' | 'ADMIN_LOCALE' | 'CUSTOMER_EMAILS' | 'EMAIL_TIME_ZONE' | 'DAILY_SUMMARY_TIME_ZONE' | 'publicBaseUrl'>;

/**
 * Whether this deployment sends e-mail at all. Without SMTP_URL nothing is queued (the fan-out
 * writes no rows, so no e-mail piles up to go out the day SMTP_URL is set) and nothing is started;
 * code that writes alerts outside the fan-out asks this too.
 */
export const emailEnabled = (config: Pick<Config, 'SMTP_URL'>): boolean => config.SMTP_URL !== undefined;

/**
 * The outbox's `notifications` sink: each event's rules (src/notifications/all-rules.ts) become rows
 * of `notifications` in the fan-out's transaction (their dedupe keys make a repeated fan-out a
 * no-op), and every row not started yet — alerts written elsewhere too — gets its workflow
 * notification:<id>. A customer e-mail the deployment switched off (CUSTOMER_EMAILS) or one with
 * nobody to send to is not queued.
 */
export function notificationsSink(config: NotificationSinkConfig, rulesFor: (type: string) => readonly NotificationRule[] = allRulesFor): OutboxSink {
  const enabled = emailEnabled(config);
  const wanted = (n: NewNotification): boolean =>
    n.recipients.length > 0 && (n.audience === 'admin' || config.CUSTOMER_EMAILS.includes(n.type));
  return {
    name: 'notifications',
    async fanOut(tx: pg.PoolClient, events: readonly EventRow[], log?: Logger) {
      if (!enabled) return;
      const ctx: RuleContext = { tx, config };
      for (const event of events) {
        for (const rule of rulesFor(event.type)) {
          // One rule failing on one event (a payload it cannot read, a currency it cannot format)
          // skips that e-mail, logged, and never holds the cursor: every later event, and every
          // alert already queued, still goes out. inTransaction on the fan-out's client is a savepoint: it undoes a failed query of the rule.
          try {
            await inTransaction(tx, async (sp) => {
              for (const n of await rule(event, { ...ctx, tx: sp })) {
                if (wanted(n)) await insertNotification(sp, n);
              }
            });
          } catch (err) {
            log?.error({ err, eventId: event.id.toString(), type: event.type }, 'a notification rule failed on this event; its e-mail is skipped');
          }
        }
      }
    },
    async startPending(deps, limit) {
      if (!enabled) return 0;
      const rows = await unstartedNotifications(deps.pool, limit);
      let started = 0;
      for (const row of rows) {
        try {
          await startNotificationWorkflow(deps.temporal, deps.taskQueue, { id: row.id, customerId: row.customer_id });
          await markNotificationStarted(deps.pool, row.id);
          started += 1;
        } catch (err) {
          // One start refused for good must not hold back the rows behind it; a Temporal outage
          // fails them all, and the next pass tries again. Short of a full batch ends this pass.
          deps.log.warn({ err, notificationId: row.id }, 'could not start a notification workflow; the next pass retries');
        }
      }
      return started === rows.length ? started : 0;
    },
  };
}
