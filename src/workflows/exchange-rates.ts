import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { fetchMomentOf, nextFetchDay, RATES_SOURCE_TIME_ZONE, TIME_OF_DAY } from '../rates/fetch-schedule.js';
import { TollgateNextActionAt, TollgateState } from '../temporal/search-attributes.js';
import { RATES_FETCHING } from './activity-options.js';
import {
  type ExchangeRatesOutcome,
  exchangeRatesNextQuery,
  type ExchangeRatesRun,
  type ExchangeRatesSettings,
  exchangeRatesSettingsSignal,
  exchangeRatesStopSignal,
} from './exchange-rates-messages.js';

export * from './exchange-rates-messages.js';

const { fetchExchangeRates } = proxyActivities<ReturnType<typeof createActivities>>(RATES_FETCHING);

const valid = (s: ExchangeRatesSettings) => typeof s?.at === 'string' && TIME_OF_DAY.test(s.at);

/**
 * One source's scheduled rates fetch (`exchange-rates:<source>`, one per source per deployment):
 * sleeps on a timer until the next `at` in the source's zone (src/rates/fetch-schedule.ts), runs
 * one activity that fetches the source's file and imports it as an upload is imported (journaled,
 * whole or nothing), then continues as new for the next day (a run is one day: its history stays
 * small). The activity is retried with backoff for a bounded time (RATES_FETCHING); a source still
 * down after it skips the day — logged, TollgateState `failed` — and the next day's fetch happens,
 * catching the skipped day up (the activity decides which file, src/rates/catch-up.ts).
 * Settings signalled meanwhile move the moment (one moved earlier than now fetches at once); the
 * stop signal ends the loop.
 */
export async function exchangeRatesWorkflow(input: ExchangeRatesRun): Promise<void> {
  const source = input.source;
  const timeZone = RATES_SOURCE_TIME_ZONE[source];
  // Config checks the time at load; a run started by hand with a bad one ends at once, visibly.
  if (!valid({ at: input.at }) || timeZone === undefined) throw ApplicationFailure.nonRetryable(`exchange rates run: at must be "HH:MM" and source ecb or nbp, got ${JSON.stringify({ source, at: input.at })}`, 'InvalidSettings');
  let settings: ExchangeRatesSettings = { at: input.at };
  let changed = false;
  let stopped = false;
  const day = nextFetchDay(input.lastDay, Date.now(), settings.at, timeZone);
  let atMs = fetchMomentOf(day, settings.at, timeZone);
  let last: ExchangeRatesOutcome | null = input.last ?? null;
  setHandler(exchangeRatesSettingsSignal, (s) => {
    if (!valid(s)) {
      log.warn('exchange rates settings ignored: at must be "HH:MM"', { source, settings: s });
      return;
    }
    settings = { at: s.at };
    changed = true;
  });
  setHandler(exchangeRatesStopSignal, () => {
    stopped = true;
  });
  setHandler(exchangeRatesNextQuery, () => ({ source, at: new Date(atMs).toISOString(), day, timeZone, settings, lastDay: input.lastDay ?? null, last }));
  if (last) upsertSearchAttributes([{ key: TollgateState, value: last }]);
  for (;;) {
    atMs = fetchMomentOf(day, settings.at, timeZone);
    upsertSearchAttributes([{ key: TollgateNextActionAt, value: new Date(atMs) }]);
    changed = false;
    if (await condition(() => changed || stopped, Math.max(1, atMs - Date.now()))) {
      if (stopped) {
        log.info('exchange rates fetch stopped', { source });
        return;
      }
      continue;
    }
    break;
  }
  try {
    const r = await fetchExchangeRates({ source, day });
    last = r.status;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.warn('exchange rates fetch failed for the day; the next day is fetched as usual', { source, day, error: err.cause?.message ?? err.message });
    last = 'failed';
  }
  upsertSearchAttributes([{ key: TollgateState, value: last }]);
  await condition(allHandlersFinished);
  if (stopped) return;
  await continueAsNew<typeof exchangeRatesWorkflow>({ source, ...settings, lastDay: day, last: last ?? undefined });
}
