import { StatementParseError } from './errors.js';

/** Calendar dates as YYYY-MM-DD strings; no Date objects, so no time zone can shift a day. */

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function format(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/**
 * A real calendar date, or a StatementParseError (the caller adds the place). The year 0000 is none
 * (the Gregorian calendar, and Postgres's date, go from 1 BC to AD 1), found by the statement fuzzing.
 */
export function exactDate(year: number, month: number, day: number, raw: string): string {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new StatementParseError(`"${raw}" is not a calendar date`, 'date');
  }
  return format(year, month, day);
}

/**
 * Some banks write value dates that do not exist (30 February: interest "as of" the 30th of every
 * month). The day is clamped to the month's last day, which is what the bank meant and what the
 * wolph/mt940 oracle reads; a month outside 1–12 or day 0 is still an error.
 */
export function clampedDate(year: number, month: number, day: number, raw: string): string {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31) {
    throw new StatementParseError(`"${raw}" is not a date`, 'date');
  }
  return format(year, month, Math.min(day, daysInMonth(year, month)));
}

/** ISO 8601 date or date-time (camt Dt / DtTm): the calendar date as the bank wrote it, not shifted to UTC. */
export function isoDate(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T+\-Z ])/.exec(text.trim());
  if (!m) throw new StatementParseError(`"${text}" is not an ISO date`, 'date');
  return exactDate(Number(m[1]), Number(m[2]), Number(m[3]), text);
}

/** SWIFT YYMMDD: years 80–99 are 19xx, the rest 20xx. */
export function swiftYear(yy: number): number {
  return yy >= 80 ? 1900 + yy : 2000 + yy;
}

/**
 * MT940 entry dates are MMDD without a year; the year is the value date's, moved by one when the
 * months are more than half a year apart (value 31 December, booked 2 January).
 */
export function entryYear(valueYear: number, valueMonth: number, entryMonth: number): number {
  if (entryMonth - valueMonth > 6) return valueYear - 1;
  if (valueMonth - entryMonth > 6) return valueYear + 1;
  return valueYear;
}
