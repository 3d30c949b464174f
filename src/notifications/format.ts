import { formatDecimal } from '../domain/money.js';
import { zonedParts } from '../domain/zoned-time.js';
import type { NotificationLocale } from './types.js';

/**
 * How amounts, dates and counted nouns read in each e-mail locale. Pure string arithmetic over
 * integer minor units (DESIGN.md §3.2): never through Number, so 90071992547409.93 stays exact.
 */

/** A no-break space: a group separator or "18,15 PLN" must not wrap inside the number. */
const NBSP = '\u00a0';

const DECIMAL_MARK: Record<NotificationLocale, string> = { en: '.', pl: ',', ru: ',' };
const GROUP_MARK: Record<NotificationLocale, string> = { en: ',', pl: NBSP, ru: NBSP };
// Polish typography leaves four-digit numbers ungrouped (1234,56 but 12 345,67); English and
// Russian group from four digits.
const GROUP_FROM_DIGITS: Record<NotificationLocale, number> = { en: 4, pl: 5, ru: 4 };

function group(whole: string, locale: NotificationLocale): string {
  if (whole.length < GROUP_FROM_DIGITS[locale]) return whole;
  const groups: string[] = [];
  for (let end = whole.length; end > 0; end -= 3) groups.unshift(whole.slice(Math.max(0, end - 3), end));
  return groups.join(GROUP_MARK[locale]);
}

/** "1,234.56 PLN" (en), "1234,56 PLN" (pl), "1 234,56 RUB" (ru) from minor units and the currency. */
export function formatAmount(minor: bigint | number | string, currency: string, locale: NotificationLocale): string {
  const value = typeof minor === 'bigint' ? minor : BigInt(minor);
  const plain = formatDecimal({ minor: value, currency });
  const negative = plain.startsWith('-');
  const [whole = '0', fraction] = (negative ? plain.slice(1) : plain).split('.');
  const number = group(whole, locale) + (fraction === undefined ? '' : DECIMAL_MARK[locale] + fraction);
  return `${negative ? '-' : ''}${number}${NBSP}${currency}`;
}

// Genitive month names: "1 grudnia 2026", "1 декабря 2026 г." are how a date is written in a sentence.
const MONTHS: Record<NotificationLocale, readonly string[]> = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  pl: ['stycznia', 'lutego', 'marca', 'kwietnia', 'maja', 'czerwca', 'lipca', 'sierpnia', 'września', 'października', 'listopada', 'grudnia'],
  ru: ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'],
};

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A calendar date in `timeZone`: "1 December 2026", "1 grudnia 2026", "1 декабря 2026 г.". */
export function formatDate(instant: Date | string, locale: NotificationLocale, timeZone: string): string {
  const p = zonedParts(new Date(instant).getTime(), timeZone);
  const month = MONTHS[locale][p.month - 1] ?? '';
  return locale === 'ru' ? `${p.day} ${month} ${p.year} г.` : `${p.day} ${month} ${p.year}`;
}

/** Date and time of day with the zone named, so a reader elsewhere is not misled: "1 December 2026, 14:05 (UTC)". */
export function formatDateTime(instant: Date | string, locale: NotificationLocale, timeZone: string): string {
  const p = zonedParts(new Date(instant).getTime(), timeZone);
  return `${formatDate(instant, locale, timeZone)}, ${pad2(p.hour)}:${pad2(p.minute)} (${timeZone})`;
}

/** A local calendar date "YYYY-MM-DD" read out in the locale ("2026-12-01" → "1 grudnia 2026"). */
export function formatLocalDate(isoDate: string, locale: NotificationLocale): string {
  return formatDate(`${isoDate}T12:00:00Z`, locale, 'UTC');
}

/** A card's expiry month "2027-03" as printed on cards: "03/2027". */
export function formatCardExpiry(expires: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(expires);
  return m ? `${m[2]}/${m[1]}` : expires;
}

/**
 * The noun form for a count. Polish: 1 wiersz, 2–4 wiersze (not 12–14), else wierszy. Russian:
 * 1 строка (not 11), 2–4 строки (not 12–14), else строк. English: one, other.
 */
export function pluralForm(locale: NotificationLocale, n: number, forms: { one: string; few?: string; many?: string; other: string }): string {
  const abs = Math.abs(n);
  const mod10 = abs % 10;
  const mod100 = abs % 100;
  const fewish = mod10 >= 2 && mod10 <= 4 && !(mod100 >= 12 && mod100 <= 14);
  if (locale === 'en') return abs === 1 ? forms.one : forms.other;
  if (locale === 'pl') {
    if (abs === 1) return forms.one;
    return fewish ? (forms.few ?? forms.other) : (forms.many ?? forms.other);
  }
  if (mod10 === 1 && mod100 !== 11) return forms.one;
  return fewish ? (forms.few ?? forms.other) : (forms.many ?? forms.other);
}
