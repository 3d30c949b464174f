import { dayAfter, isSummaryDate } from '../domain/daily-summary-time.js';
import { zonedParts, zonedToInstant } from '../domain/zoned-time.js';
import type { ImportSource } from './types.js';

/**
 * When Tollgate fetches each source's rates itself (EXCHANGE_RATES_FETCH). Pure (Intl only), so the
 * exchange-rates workflow computes its own timer from it.
 *
 * Each fetch time is a time of day in the source's own zone, where it publishes:
 * - ECB: the euro foreign exchange reference rates are "usually updated around 16:00 CET on every
 *   working day, except on TARGET closing days" (ECB, "Euro foreign exchange reference rates").
 * - NBP: table A of average rates is "published on working days between 11:45 and 12:15" (NBP Web
 *   API, api.nbp.pl).
 * On a day with no new table (a weekend, a holiday) the file is still the last one: its import
 * adds nothing (src/rates/import.ts), so fetching every day is harmless.
 */
export const RATES_SOURCE_TIME_ZONE: Readonly<Record<ImportSource, string>> = { ecb: 'Europe/Berlin', nbp: 'Europe/Warsaw' };

/** The official files (EXCHANGE_RATES_ECB_URL, EXCHANGE_RATES_NBP_URL override them). */
export const DEFAULT_RATES_URLS: Readonly<Record<ImportSource, string>> = {
  ecb: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml',
  nbp: 'https://api.nbp.pl/api/exchangerates/tables/A/?format=json',
};

export interface RatesFetchEntry {
  source: ImportSource;
  /** "HH:MM" in RATES_SOURCE_TIME_ZONE[source]. */
  at: string;
}

export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * `ecb@16:30,nbp@12:30` → one entry per source; empty → none (the schedule is off). Throws one
 * sentence saying what is wrong.
 */
export function parseRatesFetch(value: string): RatesFetchEntry[] {
  const entries: RatesFetchEntry[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([a-z]+)@(.*)$/.exec(part);
    const source = m?.[1];
    const at = m?.[2] ?? '';
    if (source !== 'ecb' && source !== 'nbp') throw new Error(`"${part}" is not source@HH:MM with source ecb or nbp, such as ecb@16:30,nbp@12:30`);
    if (!TIME_OF_DAY.test(at)) throw new Error(`"${part}" has no time of day HH:MM after the @, such as ${source}@${source === 'ecb' ? '16:30' : '12:30'}`);
    if (entries.some((e) => e.source === source)) throw new Error(`${source} is named twice; give one time per source`);
    entries.push({ source, at });
  }
  return entries;
}

function localDate(day: string): { year: number; month: number; day: number } {
  const [year = 0, month = 0, d = 0] = day.split('-').map(Number);
  return { year, month, day: d };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The instant the fetch of local day `day` ("YYYY-MM-DD") is due: `at` on that day in `timeZone`. */
export function fetchMomentOf(day: string, at: string, timeZone: string): number {
  const [hour = 0, minute = 0] = at.split(':').map(Number);
  return zonedToInstant({ ...localDate(day), hour, minute, second: 0 }, timeZone);
}

/**
 * The local day a run fetches for: today in `timeZone` if its `at` is still ahead, else tomorrow —
 * and never a day already fetched (`lastDay`, the run before's), so a time moved later after the
 * day's fetch does not fetch that day again. A run after an absence fetches the next day due, not
 * each missed one: that fetch catches the missed days up itself (src/rates/catch-up.ts).
 */
export function nextFetchDay(lastDay: string | undefined, nowMs: number, at: string, timeZone: string): string {
  const t = zonedParts(nowMs, timeZone);
  const today = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  const upcoming = fetchMomentOf(today, at, timeZone) > nowMs ? today : dayAfter(today);
  if (isSummaryDate(lastDay) && upcoming <= lastDay) return dayAfter(lastDay);
  return upcoming;
}
