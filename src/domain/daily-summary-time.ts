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

/** The instants a local calendar day "YYYY-MM-DD" in `timeZone` starts and ends (23 or 25 hours on a DST change). */
export function localDayBounds(date: string, timeZone: string): { fromMs: number; toMs: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`"${date}" is not a date YYYY-MM-DD`);
  const start = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0, second: 0 };
  return { fromMs: zonedToInstant(start, timeZone), toMs: zonedToInstant(addLocalDays(start, 1), timeZone) };
}
