import type { Config } from '../config.js';
import type { EventRow } from '../db/events.js';
import { markNotificationStarted, unstartedNotifications } from '../db/notification-sends.js';
import { insertNotification, type NewNotification } from '../db/notifications.js';
import type { Queryable } from '../db/pool.js';
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
    async fanOut(tx: Queryable, events: readonly EventRow[]) {
      if (!enabled) return;
      const ctx: RuleContext = { tx, config };
      for (const event of events) {
        for (const rule of rulesFor(event.type)) {
          for (const n of await rule(event, ctx)) {
            if (wanted(n)) await insertNotification(tx, n);
          }
        }
      }
    },
    async startPending(deps, limit) {
      if (!enabled) return 0;
      const rows = await unstartedNotifications(deps.pool, limit);
      for (const row of rows) {
        // A Temporal outage throws here: the rest wait for the loop's next pass.
        await startNotificationWorkflow(deps.temporal, deps.taskQueue, { id: row.id, customerId: row.customer_id });
        await markNotificationStarted(deps.pool, row.id);
      }
      return rows.length;
    },
  };
}
