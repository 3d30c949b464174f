import type { EventRow } from '../db/events.js';
import type { NewNotification } from '../db/notifications.js';
import { integer, optionalText, text } from './event-fields.js';
import { formatDateTime, pluralForm } from './format.js';
import type { NotificationRule, NotificationRules, RuleContext } from './rules.js';
import type { AdminNotificationType } from './types.js';
import { ENDPOINT_DISABLED_WORDS } from './wording.js';

/**
 * Admin e-mails by event type: to ADMIN_EMAILS in ADMIN_LOCALE, none when the list is empty; at
 * most once per event (dedupe `<type>:<event id>`). The callback alert and the daily summary are
 * not event rules: src/notifications/callback-alert.ts and src/activities/daily-summary.ts.
 */

function toAdmins(type: AdminNotificationType, event: EventRow, ctx: RuleContext, data: Record<string, unknown>): NewNotification[] {
  if (ctx.config.ADMIN_EMAILS.length === 0) return [];
  return [{ audience: 'admin', type, eventId: event.id, dedupeKey: `${type}:${event.id}`, recipients: [...ctx.config.ADMIN_EMAILS], locale: ctx.config.ADMIN_LOCALE, data }];
}

// Both rules read only the event: no query, so they resolve at once.
const endpointDisabled: NotificationRule = (event, ctx) => {
  const locale = ctx.config.ADMIN_LOCALE;
  const tz = ctx.config.DAILY_SUMMARY_TIME_ZONE;
  const reason = text(event, 'reason');
  const failingSince = optionalText(event, 'failing_since');
  const disabledAt = optionalText(event, 'disabled_at') ?? event.created_at.toISOString();
  return Promise.resolve(toAdmins('webhook_endpoint_disabled', event, ctx, {
    endpoint_id: text(event, 'endpoint_id'),
    url: text(event, 'url'),
    reason: reason === 'gone' || reason === 'failing' ? ENDPOINT_DISABLED_WORDS[reason][locale] : reason,
    failing_since: failingSince ? formatDateTime(failingSince, locale, tz) : '—',
    disabled_at: formatDateTime(disabledAt, locale, tz),
  }));
};

const UNMATCHED = ['amount_mismatch', 'no_reference', 'not_found'] as const;
const OUTCOMES = ['matched', ...UNMATCHED, 'duplicate', 'ignored'] as const;

const LINE_FORMS = {
  en: { one: 'line', other: 'lines' },
  pl: { one: 'wiersz', few: 'wiersze', many: 'wierszy', other: 'wiersza' },
  ru: { one: 'строка', few: 'строки', many: 'строк', other: 'строки' },
} as const;

const statementUnmatched: NotificationRule = (event, ctx) => {
  const raw = event.payload.outcomes;
  const outcomes = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const count = (k: string): number => {
    const v = outcomes[k];
    return typeof v === 'number' ? v : 0;
  };
  const unmatched = UNMATCHED.reduce((n, k) => n + count(k), 0);
  if (unmatched === 0) return Promise.resolve([]);
  const locale = ctx.config.ADMIN_LOCALE;
  const statementId = text(event, 'statement_id');
  return Promise.resolve(toAdmins('statement_unmatched', event, ctx, {
    statement_id: statementId,
    format: text(event, 'format'),
    file_name: optionalText(event, 'file_name') ?? '—',
    lines: integer(event, 'lines'),
    unmatched,
    unmatched_lines: `${unmatched} ${pluralForm(locale, unmatched, LINE_FORMS[locale])}`,
    ...Object.fromEntries(OUTCOMES.map((k) => [k, count(k)])),
    imported_at: formatDateTime(event.created_at, locale, ctx.config.DAILY_SUMMARY_TIME_ZONE),
    statement_url: `${ctx.config.publicBaseUrl}/v1/bank-statements/${encodeURIComponent(statementId)}`,
  }));
};

export const adminRules: NotificationRules = {
  'webhook_endpoint.disabled': [endpointDisabled],
  'bank_statement.imported': [statementUnmatched],
};
