import type { AttemptGroup, MoneyGroup } from '../db/daily-summary.js';
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
  attempts: {
    en: ['Result', 'Count', 'Amount'],
    pl: ['Wynik', 'Liczba', 'Kwota'],
    ru: ['Результат', 'Количество', 'Сумма'],
  },
} as const;

const NONE: Record<NotificationLocale, string> = { en: 'None.', pl: 'Brak.', ru: 'Нет.' };

const ATTEMPT_STATUS: Record<NotificationLocale, Record<string, string>> = {
  en: { succeeded: 'charged', failed: 'failed' },
  pl: { succeeded: 'pobrane', failed: 'nieudane' },
  ru: { succeeded: 'списано', failed: 'не прошло' },
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

export function attemptsTable(groups: readonly AttemptGroup[], locale: NotificationLocale): Table {
  const rows = groups.map((g) => [testMarked(ATTEMPT_STATUS[locale][g.status] ?? g.status, g.mode, locale), String(g.count), formatAmount(g.sum_minor, g.currency, locale)]);
  return build(HEADERS.attempts[locale], rows, 1, locale);
}
