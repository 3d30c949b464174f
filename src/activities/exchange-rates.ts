import type pg from 'pg';
import type { Config } from '../config.js';
import { lastStoredRateDay } from '../db/exchange-rates.js';
import { journalInbound } from '../db/inbound-requests.js';
import type { Resolver } from '../outbound/safe-request.js';
import { type RatesFetchPlan, ratesFetchPlan } from '../rates/catch-up.js';
import { fetchRatesFile, importJournaled, type RatesImportResult, RatesSourceUnreachableError } from '../rates/import.js';
import type { ImportSource } from '../rates/types.js';

export interface ExchangeRatesActivityDeps {
  pool: pg.Pool;
  /** Which sources are fetched, from where, under which outbound rule and cap: read at each fetch (a changed setting counts from the next). */
  exchangeRates?: Pick<Config, 'EXCHANGE_RATES_FETCH' | 'EXCHANGE_RATES_ECB_URL' | 'EXCHANGE_RATES_NBP_URL' | 'OUTBOUND_ALLOWED_HOSTS' | 'EXCHANGE_RATE_MAX_BYTES'>;
  /** Tests swap DNS; production resolves with the system resolver. */
  ratesResolve?: Resolver;
}

export type ScheduledRatesFetch =
  | { status: 'imported' | 'unchanged'; days: string[]; rates: number; inserted: number }
  /** This worker's EXCHANGE_RATES_FETCH does not name the source (the loop is being stopped). */
  | { status: 'disabled' };

export function createExchangeRatesActivities(deps: ExchangeRatesActivityDeps) {
  return {
    /**
     * The scheduled fetch of one source (src/workflows/exchange-rates.ts): journaled (channel
     * exchange_rates, source `schedule`), fetched through the same rule as a URL import
     * (fetchRatesFile: the host must be in OUTBOUND_ALLOWED_HOSTS, no redirects, capped at
     * EXCHANGE_RATE_MAX_BYTES) and imported by the upload's path (importJournaled). Each try is a
     * journal row. A file already imported (a weekend's or holiday's is the working day's before)
     * adds nothing: `unchanged`. Days missed since the last stored one (the worker was down, the
     * source stayed down past its retries) are caught up here, not in the workflow, so its history
     * keeps its shape: the file read is then one holding them (src/rates/catch-up.ts), of which
     * only the days after the last stored one are imported; when that file does not come, the
     * latest is read instead. A failure is thrown (the workflow's retry policy decides).
     */
    async fetchExchangeRates(input: { source: ImportSource; day: string }): Promise<ScheduledRatesFetch> {
      const c = deps.exchangeRates;
      if (!c || !c.EXCHANGE_RATES_FETCH.some((e) => e.source === input.source)) return { status: 'disabled' };
      const latestUrl = input.source === 'ecb' ? c.EXCHANGE_RATES_ECB_URL : c.EXCHANGE_RATES_NBP_URL;
      const plan = ratesFetchPlan(input.source, latestUrl, await lastStoredRateDay(deps.pool, input.source), input.day);
      const fetchOne = async (p: RatesFetchPlan) => {
        const journalId = await journalInbound(deps.pool, {
          channel: 'exchange_rates',
          source: 'schedule',
          method: 'GET',
          path: p.url.slice(0, 2000),
          headers: {
            'x-tollgate-rates-source': input.source,
            'x-tollgate-rates-day': input.day,
            ...(p.kind === 'catch_up' ? { 'x-tollgate-rates-catch-up-from': p.from } : {}),
          },
          body: '',
          bodyTruncated: false,
          sourceIp: undefined,
        });
        return importJournaled(deps.pool, journalId, async () => ({
          source: input.source,
          url: p.url,
          fromDay: p.kind === 'catch_up' ? p.from : undefined,
          bytes: await fetchRatesFile(p.url, { allow: c.OUTBOUND_ALLOWED_HOSTS, maxBytes: c.EXCHANGE_RATE_MAX_BYTES, resolve: deps.ratesResolve }),
        }));
      };
      let r: RatesImportResult;
      try {
        r = await fetchOne(plan);
      } catch (err) {
        // A catch-up file that does not come (a mirror of the daily file only) must not cost the day's
        // own rates too: the latest file is tried at once, in its own journal row.
        if (plan.kind !== 'catch_up' || !(err instanceof RatesSourceUnreachableError)) throw err;
        r = await fetchOne({ kind: 'latest', url: latestUrl });
      }
      return { status: r.inserted > 0 ? 'imported' : 'unchanged', days: r.days, rates: r.rates, inserted: r.inserted };
    },
  };
}
