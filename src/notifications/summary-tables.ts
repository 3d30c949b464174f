import type { AttemptOutcomeGroup, MoneyGroup, SubscriptionGroup } from '../db/daily-summary.js';
import { ATTEMPT_RESULT_FOR_OUTCOME, type AttemptResult } from '../domain/subscription.js';
import { escapeHtml } from './render.js';
import { formatAmount } from './format.js';
import type { NotificationLocale } from './types.js';

/**
 * The daily summary's tables, built here with every cell escaped (the template takes them raw,
 * {{{…}}}): an HTML table with inline styles for mail clients, and the same figures as aligned
 * plain text for the text part.
 */
export interface Table {
  html: string;
  text: string;
}

const HEADERS = {
  money: {
    en: ['Gateway', 'Status', 'Count', 'Amount'],
    pl: ['Bramka', 'Status', 'Liczba', 'Kwota'],
    ru: ['Шлюз', 'Статус', 'Количество', 'Сумма'],
  },
  subscriptions: {
    en: ['Subscriptions', 'Count', 'Amount'],
    pl: ['Subskrypcje', 'Liczba', 'Kwota'],
    ru: ['Подписки', 'Количество', 'Сумма'],
  },
} as const;

const NONE: Record<NotificationLocale, string> = { en: 'None.', pl: 'Brak.', ru: 'Нет.' };

/** A subscription row's label: charged that day, or failed for good and why. */
const SUBSCRIPTION_RESULT = {
  en: { charged: 'charged', hard_decline: 'failed for good: card refused', retries_exhausted: 'failed for good: retries exhausted' },
  pl: { charged: 'pobrane', hard_decline: 'nieudane ostatecznie: karta odrzucona', retries_exhausted: 'nieudane ostatecznie: wyczerpane próby' },
  ru: { charged: 'списано', hard_decline: 'окончательно не прошло: карта отклонена', retries_exhausted: 'окончательно не прошло: попытки исчерпаны' },
} satisfies Record<NotificationLocale, Record<SubscriptionGroup['result'], string>>;

/** The attempts line: every try counted, so a subscription retried four times shows four attempts here and once in the table. */
const ATTEMPTS_LINE: Record<NotificationLocale, { label: string; parts: Record<AttemptResult, string> }> = {
  en: { label: 'Charge attempts', parts: { succeeded: '{n} succeeded', declined: '{n} declined', errored: '{n} errored', authentication: '{n} awaiting authentication' } },
  pl: { label: 'Próby obciążenia', parts: { succeeded: 'udane: {n}', declined: 'odrzucone: {n}', errored: 'z błędem: {n}', authentication: 'czekające na uwierzytelnienie: {n}' } },
  ru: { label: 'Попытки списания', parts: { succeeded: 'успешно: {n}', declined: 'отклонено: {n}', errored: 'с ошибкой: {n}', authentication: 'ждут подтверждения клиентом: {n}' } },
};

const CELL = 'padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:left';
const NUM = 'padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap';

function build(headers: readonly string[], rows: string[][], numericFrom: number, locale: NotificationLocale): Table {
  if (rows.length === 0) return { html: `<p style="margin:4px 0;color:#6b7280">${escapeHtml(NONE[locale])}</p>`, text: NONE[locale] };
  const style = (i: number) => (i >= numericFrom ? NUM : CELL);
  const head = headers.map((h, i) => `<th style="${style(i)};font-weight:bold">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v, i) => `<td style="${style(i)}">${escapeHtml(v)}</td>`).join('')}</tr>`).join('');
  const html = `<table style="border-collapse:collapse;font-size:14px;margin:4px 0 16px">` + `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((v, i) => (i >= numericFrom ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const text = [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
  return { html, text };
}

const TEST_MODE: Record<NotificationLocale, string> = { en: 'test', pl: 'test', ru: 'тест' };

/** A test-mode row says so: its money is no real money and is never added to the live row beside it. */
function testMarked(label: string, mode: 'test' | 'live', locale: NotificationLocale): string {
  return mode === 'test' ? `${label} (${TEST_MODE[locale]})` : label;
}

export function moneyTable(groups: readonly MoneyGroup[], locale: NotificationLocale): Table {
  const rows = groups.map((g) => [testMarked(g.gateway, g.mode, locale), g.status, String(g.count), formatAmount(g.sum_minor, g.currency, locale)]);
  return build(HEADERS.money[locale], rows, 2, locale);
}

/** Charged subscriptions first, then those that failed for good; each mode and currency its own row. */
export function subscriptionsTable(groups: readonly SubscriptionGroup[], locale: NotificationLocale): Table {
  const order = (g: SubscriptionGroup) => (g.result === 'charged' ? 0 : 1);
  const sorted = [...groups].sort((a, b) => order(a) - order(b));
  const rows = sorted.map((g) => [testMarked(SUBSCRIPTION_RESULT[locale][g.result] ?? g.result, g.mode, locale), String(g.count), formatAmount(g.sum_minor, g.currency, locale)]);
  return build(HEADERS.subscriptions[locale], rows, 1, locale);
}

const RESULTS: readonly AttemptResult[] = ['succeeded', 'declined', 'errored', 'authentication'];

/**
 * One line per mode: "Charge attempts: 5 succeeded, 4 declined, 1 errored" (the test line marked
 * so). Authentication appears only when the bank asked for it; a day with no attempt still says 0.
 */
export function attemptsSummary(groups: readonly AttemptOutcomeGroup[], locale: NotificationLocale): Table {
  const words = ATTEMPTS_LINE[locale];
  const modes = (['live', 'test'] as const).filter((m) => groups.some((g) => g.mode === m));
  const lines = (modes.length ? modes : (['live'] as const)).map((mode) => {
    const counts: Record<AttemptResult, number> = { succeeded: 0, declined: 0, errored: 0, authentication: 0 };
    for (const g of groups) if (g.mode === mode) counts[ATTEMPT_RESULT_FOR_OUTCOME[g.outcome]] += g.count;
    const parts = RESULTS.filter((r) => r !== 'authentication' || counts[r] > 0).map((r) => words.parts[r].replace('{n}', String(counts[r])));
    return `${testMarked(words.label, mode, locale)}: ${parts.join(', ')}`;
  });
  return {
    html: lines.map((l) => `<p style="margin:4px 0;color:#374151">${escapeHtml(l)}</p>`).join(''),
    text: lines.join('\n'),
  };
}
