import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ImportSource } from '../rates/types.js';

/** When a source is fetched: "HH:MM" in the source's own zone (EXCHANGE_RATES_FETCH, e.g. ecb@16:30). */
export interface ExchangeRatesSettings {
  at: string;
}

/** How the last fetch ended: new rates, nothing new (a weekend, a holiday), or failed for the day. */
export type ExchangeRatesOutcome = 'imported' | 'unchanged' | 'failed' | 'disabled';

/**
 * A run's input: its source and settings, the local day the run before fetched (absent on the
 * first run; this run fetches a later one) and how that fetch ended.
 */
export interface ExchangeRatesRun extends ExchangeRatesSettings {
  source: ImportSource;
  lastDay?: string;
  last?: ExchangeRatesOutcome;
}

/**
 * New settings for the running loop: every worker sends its EXCHANGE_RATES_FETCH at start
 * (signalWithStart), so a changed time takes effect without restarting the workflow. Plain JSON
 * an operator can type into the Temporal UI: {"at": "16:45"}.
 */
export const exchangeRatesSettingsSignal = defineSignal<[ExchangeRatesSettings]>('exchangeRatesSettings');

/** Ends the loop: sent by a worker whose EXCHANGE_RATES_FETCH no longer names the source. */
export const exchangeRatesStopSignal = defineSignal('exchangeRatesStop');

export interface ExchangeRatesNext {
  source: ImportSource;
  /** When the next fetch is due (ISO instant). */
  at: string;
  /** The local day (in timeZone) it fetches for. */
  day: string;
  timeZone: string;
  settings: ExchangeRatesSettings;
  lastDay: string | null;
  last: ExchangeRatesOutcome | null;
}

/** The next fetch, and how the last one ended. */
export const exchangeRatesNextQuery = defineQuery<ExchangeRatesNext>('exchangeRatesNext');
