import type { ImportSource } from './types.js';

/**
 * Which file the scheduled fetch of a day reads (src/activities/exchange-rates.ts). Pure.
 *
 * Normally the source's latest file (EXCHANGE_RATES_ECB_URL / EXCHANGE_RATES_NBP_URL): it holds
 * that day's table. When days were missed (no worker for a while, a source down past its retries),
 * one file that holds the missed days as well, so a payment booked on one of them gets that day's
 * rate rather than an older one:
 * - ECB: eurofxref-hist-90d.xml beside eurofxref-daily.xml, the same GESMES schema with one
 *   <Cube time=…> per TARGET business day of the last 90 days ("Euro foreign exchange reference
 *   rates", https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html).
 * - NBP: the Web API's date range of table A, /api/exchangerates/tables/A/{startDate}/{endDate}/
 *   (https://api.nbp.pl/en.html, "Queries for complete tables"): every table published in the
 *   range, and "a single enquiry cannot cover a period longer than 93 days". "In the case of lack
 *   of data for a correctly determined time interval, 404 Not Found message is returned" (a range
 *   of holidays and a weekend), so the range starts on the last stored day, which has a table.
 * Only the days after the last stored one are imported from it (`from`): what is stored is neither
 * read again nor doubled.
 */
export type RatesFetchPlan =
  | { kind: 'latest'; url: string }
  | { kind: 'catch_up'; url: string; /** The first day imported from the file: the day after the last stored one. */ from: string };

/** The NBP Web API's limit on one range query, in days (both ends counted). */
export const NBP_MAX_RANGE_DAYS = 93;

const DAY_MS = 86_400_000;
const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
export const addDays = (day: string, n: number): string => iso(ms(day) + n * DAY_MS);

/** The Monday-to-Friday day before `day` (Friday before a Saturday, Sunday or Monday). Holidays are not known here. */
export function previousBusinessDay(day: string): string {
  let d = addDays(day, -1);
  while ([0, 6].includes(new Date(ms(d)).getUTCDay())) d = addDays(d, -1);
  return d;
}

/**
 * The plan for fetching local day `day` of `source`, given the newest day stored for it (null:
 * nothing yet, so nothing was missed). Days were missed when the newest stored is older than the
 * business day before `day` (`day`'s own table comes with either file). A holiday looks like a
 * missed day the next day: that costs one larger file, which adds nothing twice. A latest URL the
 * catch-up file cannot be derived from (a mirror named otherwise) keeps the latest file.
 */
export function ratesFetchPlan(source: ImportSource, latestUrl: string, lastStored: string | null, day: string): RatesFetchPlan {
  const latest = { kind: 'latest' as const, url: latestUrl };
  if (lastStored === null || lastStored >= previousBusinessDay(day)) return latest;
  const from = addDays(lastStored, 1);
  if (source === 'ecb') {
    const url = ecbHistoryUrl(latestUrl);
    return url ? { kind: 'catch_up', url, from } : latest;
  }
  const start = lastStored < addDays(day, 1 - NBP_MAX_RANGE_DAYS) ? addDays(day, 1 - NBP_MAX_RANGE_DAYS) : lastStored;
  const url = nbpRangeUrl(latestUrl, start, day);
  return url ? { kind: 'catch_up', url, from } : latest;
}

/** …/eurofxref-daily.xml → …/eurofxref-hist-90d.xml, query kept; undefined for another name. */
export function ecbHistoryUrl(dailyUrl: string): string | undefined {
  const u = new URL(dailyUrl);
  if (!/\/eurofxref-daily\.xml$/.test(u.pathname)) return undefined;
  u.pathname = u.pathname.replace(/eurofxref-daily\.xml$/, 'eurofxref-hist-90d.xml');
  return u.toString();
}

/** …/tables/A/?format=json → …/tables/A/{start}/{end}/?format=json; undefined for another path. */
export function nbpRangeUrl(latestUrl: string, start: string, end: string): string | undefined {
  const u = new URL(latestUrl);
  if (!/\/tables\/A\/?$/i.test(u.pathname)) return undefined;
  u.pathname = `${u.pathname.replace(/\/?$/, '/')}${start}/${end}/`;
  return u.toString();
}
