import { invert, multiply, parseRate, type Ratio, ratioToDecimal } from './decimal.js';
import type { RateSource } from './types.js';

/** A stored rate as the lookup reads it: 1 base = rate quote on rate_date. */
export interface StoredRate {
  base: string;
  quote: string;
  rate: string;
  rate_date: string;
  source: RateSource;
}

export const RATE_METHODS = ['direct', 'inverse', 'cross_eur', 'cross_pln'] as const;
export type RateMethod = (typeof RATE_METHODS)[number];

export interface ChosenRate {
  /** Units of `to` per unit of `from`, as recorded: the published text, or a derived rate's 12 decimals. */
  rate: string;
  ratio: Ratio;
  rateDate: string;
  source: RateSource;
  method: RateMethod;
}

/** On one day, an operator's manual rate beats the central banks; the ECB's beats the NBP's. */
export const SOURCE_PREFERENCE: readonly RateSource[] = ['manual', 'ecb', 'nbp'];

/**
 * A derived rate (an inverse or a cross) is rounded half-even to this many decimals, and that
 * recorded rate is what converts the amount: amount × recorded rate reproduces the converted
 * amount for anyone checking, and 12 decimals are far below a minor unit for any real amount.
 */
export const DERIVED_RATE_DECIMALS = 12;

/** The hubs a cross rate goes through: the ECB publishes everything against EUR, the NBP against PLN. */
const HUBS = [
  ['EUR', 'cross_eur'],
  ['PLN', 'cross_pln'],
] as const;

/**
 * The rate converting `from` into `to` from the rows given (all dated on or before the booking
 * day). The rule, in order:
 *   1. the newest day that can give the pair at all wins (so a rate is never older than needed);
 *   2. on that day, the first source in SOURCE_PREFERENCE that can give it (manual, ecb, nbp);
 *   3. within that source and day: the pair as published (direct), else the opposite pair
 *      inverted, else a cross through EUR, else through PLN — both legs from that same source and
 *      day, so one published table, never a mix of two banks' or two days' rates.
 * Undefined when no day and source can give the pair: the conversion is then missing.
 */
export function chooseRate(rows: readonly StoredRate[], from: string, to: string): ChosenRate | undefined {
  const groups = new Map<string, { day: string; source: RateSource; rates: Map<string, string> }>();
  for (const r of rows) {
    const key = `${r.rate_date}|${r.source}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { day: r.rate_date, source: r.source, rates: new Map() }));
    g.rates.set(`${r.base}/${r.quote}`, r.rate);
  }
  const ordered = [...groups.values()].sort((a, b) =>
    a.day === b.day ? SOURCE_PREFERENCE.indexOf(a.source) - SOURCE_PREFERENCE.indexOf(b.source) : a.day < b.day ? 1 : -1,
  );
  for (const g of ordered) {
    const found = derive(g.rates, from, to);
    if (found) return { ...found, rateDate: g.day, source: g.source };
  }
  return undefined;
}

function derive(rates: ReadonlyMap<string, string>, from: string, to: string): { rate: string; ratio: Ratio; method: RateMethod } | undefined {
  const direct = rates.get(`${from}/${to}`);
  if (direct !== undefined) return { rate: direct, ratio: parseRate(direct), method: 'direct' };
  const leg = (a: string, b: string): Ratio | undefined => {
    const ab = rates.get(`${a}/${b}`);
    if (ab !== undefined) return parseRate(ab);
    const ba = rates.get(`${b}/${a}`);
    return ba === undefined ? undefined : invert(parseRate(ba));
  };
  const inverse = leg(from, to);
  if (inverse) return recorded(inverse, 'inverse');
  for (const [hub, method] of HUBS) {
    if (hub === from || hub === to) continue;
    const first = leg(from, hub);
    const second = leg(hub, to);
    if (first && second) {
      const found = recorded(multiply(first, second), method);
      if (found) return found;
    }
  }
  return undefined;
}

/** The derived ratio as it is recorded (DERIVED_RATE_DECIMALS); undefined if it rounds to nothing. */
function recorded(ratio: Ratio, method: RateMethod): { rate: string; ratio: Ratio; method: RateMethod } | undefined {
  const rate = ratioToDecimal(ratio, DERIVED_RATE_DECIMALS);
  if (/^[0.]+$/.test(rate) || rate.split('.')[0]!.length > 12) return undefined;
  return { rate, ratio: parseRate(rate), method };
}
