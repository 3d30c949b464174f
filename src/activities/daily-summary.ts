import type pg from 'pg';
import type { Config } from '../config.js';
import {
  chargeAttemptsByOutcome,
  paymentsByGatewayAndStatus,
  refundsByGatewayAndStatus,
  subscriptionsCharged,
  subscriptionsFailedForGood,
  temporaryPaymentFigures,
} from '../db/daily-summary.js';
import { insertNotification } from '../db/notifications.js';
import { inRepeatableReadTransaction } from '../db/pool.js';
import { localDayBounds } from '../domain/daily-summary-time.js';
import { formatDateTime, formatLocalDate } from '../notifications/format.js';
import { attemptsSummary, moneyTable, subscriptionsTable } from '../notifications/summary-tables.js';

export interface DailySummaryActivityDeps {
  pool: pg.Pool;
  /** Who gets it and in which language, read when it is written (a changed ADMIN_EMAILS counts from the next summary). */
  email?: Pick<Config, 'ADMIN_EMAILS' | 'ADMIN_LOCALE'>;
}

export type DailySummaryResult = { queued: true; notificationId: string } | { queued: false; why: 'no_recipients' | 'already_queued' };

export function createDailySummaryActivities(deps: DailySummaryActivityDeps) {
  return {
    /**
     * The admin's summary of one local day: its figures from Postgres and the `daily_summary`
     * notification (dedupe `daily_summary:<date>`), in one transaction (a repeatable-read snapshot,
     * so the tables agree with each other). A retry, or a second run for the same day, queues
     * nothing more.
     */
    async queueDailySummary(input: { date: string; timeZone: string }): Promise<DailySummaryResult> {
      const recipients = deps.email?.ADMIN_EMAILS ?? [];
      if (recipients.length === 0) return { queued: false, why: 'no_recipients' };
      const locale = deps.email?.ADMIN_LOCALE ?? 'en';
      const { fromMs, toMs } = localDayBounds(input.date, input.timeZone);
      const [from, to] = [new Date(fromMs), new Date(toMs)];
      return inRepeatableReadTransaction(deps.pool, async (tx) => {
        const payments = moneyTable(await paymentsByGatewayAndStatus(tx, from, to), locale);
        const refunds = moneyTable(await refundsByGatewayAndStatus(tx, from, to), locale);
        // Subscriptions, not attempts: charged (a success that day) or failed for good (stopped
        // by a decline or the end of its retries); the attempts are their own line beside them.
        const charges = subscriptionsTable([...(await subscriptionsCharged(tx, from, to)), ...(await subscriptionsFailedForGood(tx, from, to))], locale);
        const attempts = attemptsSummary(await chargeAttemptsByOutcome(tx, from, to), locale);
        const temporary = await temporaryPaymentFigures(tx, from, to);
        const id = await insertNotification(tx, {
          audience: 'admin',
          type: 'daily_summary',
          dedupeKey: `daily_summary:${input.date}`,
          recipients: [...recipients],
          locale,
          data: {
            date: formatLocalDate(input.date, locale),
            from: formatDateTime(from, locale, input.timeZone),
            to: formatDateTime(to, locale, input.timeZone),
            payments_html: payments.html, payments_text: payments.text,
            refunds_html: refunds.html, refunds_text: refunds.text,
            charges_html: charges.html, charges_text: charges.text,
            attempts_html: attempts.html, attempts_text: attempts.text,
            temporary_open: temporary.open_count,
            temporary_expired: temporary.expired_count,
            temporary_created: temporary.created_count,
          },
        });
        return id ? { queued: true as const, notificationId: id } : { queued: false as const, why: 'already_queued' as const };
      });
    },
  };
}
