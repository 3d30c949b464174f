import { addLocalDays, zonedParts, zonedToInstant } from './zoned-time.js';

/**
 * When the daily summary goes out and which day it covers. Pure (Intl only), so the workflow
 * computes its own timer from it.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isoDate = (l: { year: number; month: number; day: number }) => `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;

/**
 * The first moment strictly after `nowMs` whose wall clock in `timeZone` reads `at` ("HH:MM"), and
 * the local day before it — the day that summary covers. A time inside a spring-forward gap moves
 * forward by the gap (zonedToInstant), so the summary still goes out that day.
 */
export function nextSummaryMoment(nowMs: number, at: string, timeZone: string): { atMs: number; covers: string } {
  const [hour = 0, minute = 0] = at.split(':').map(Number);
  const today = zonedParts(nowMs, timeZone);
  for (let days = 0; days <= 2; days += 1) {
    const local = addLocalDays({ ...today, hour, minute, second: 0 }, days);
    const atMs = zonedToInstant(local, timeZone);
    if (atMs > nowMs) return { atMs, covers: isoDate(addLocalDays(local, -1)) };
  }
  throw new Error(`no ${at} in ${timeZone} within two days of ${new Date(nowMs).toISOString()}`);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function parseDate(date: string): { year: number; month: number; day: number } {
  const m = DATE.exec(date);
  if (!m) throw new Error(`"${date}" is not a date YYYY-MM-DD`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export const isSummaryDate = (date: unknown): date is string => typeof date === 'string' && DATE.test(date);

/** The calendar day after "YYYY-MM-DD". */
export function dayAfter(date: string): string {
  return isoDate(addLocalDays({ ...parseDate(date), hour: 0, minute: 0, second: 0 }, 1));
}

/**
 * When the summary of the local day `covers` goes out: the next local day at `at` in `timeZone`
 * (after `covers` has ended there, whatever the zone). In the past when the settings moved it
 * earlier than now, or the loop woke late: then it is due at once.
 */
export function summaryMomentOf(covers: string, at: string, timeZone: string): number {
  const [hour = 0, minute = 0] = at.split(':').map(Number);
  return zonedToInstant(addLocalDays({ ...parseDate(covers), hour, minute, second: 0 }, 1), timeZone);
}

/** A loop that was away longer than this (no worker for weeks) sends the last days only, not a month of mail at once. */
export const MAX_CATCH_UP_DAYS = 7;

/**
 * The day the loop summarises next: the day after the last one it summarised, so a change of the
 * time or zone, or a late wake, never skips one. The first run (nothing summarised yet) takes the
 * day the next `at` covers. `skipped` names the days left out after an absence longer than
 * MAX_CATCH_UP_DAYS.
 */
export function nextDayToSummarise(lastCovered: string | undefined, nowMs: number, at: string, timeZone: string): { covers: string; skipped?: { from: string; to: string } } {
  const upcoming = nextSummaryMoment(nowMs, at, timeZone).covers;
  if (lastCovered === undefined) return { covers: upcoming };
  const covers = dayAfter(lastCovered);
  const behind = Math.round((Date.parse(`${upcoming}T00:00:00Z`) - Date.parse(`${covers}T00:00:00Z`)) / DAY_MS);
  if (behind <= MAX_CATCH_UP_DAYS) return { covers };
  const first = isoDate(addLocalDays({ ...parseDate(upcoming), hour: 0, minute: 0, second: 0 }, -MAX_CATCH_UP_DAYS));
  return { covers: first, skipped: { from: covers, to: isoDate(addLocalDays({ ...parseDate(first), hour: 0, minute: 0, second: 0 }, -1)) } };
}

/** The instants a local calendar day "YYYY-MM-DD" in `timeZone` starts and ends (23 or 25 hours on a DST change). */
export function localDayBounds(date: string, timeZone: string): { fromMs: number; toMs: number } {
  const start = { ...parseDate(date), hour: 0, minute: 0, second: 0 };
  return { fromMs: zonedToInstant(start, timeZone), toMs: zonedToInstant(addLocalDays(start, 1), timeZone) };
}
