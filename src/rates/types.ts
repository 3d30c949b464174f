import { ValidationError } from '../domain/errors.js';

export const RATE_SOURCES = ['ecb', 'nbp', 'manual'] as const;
export type RateSource = (typeof RATE_SOURCES)[number];

/** The sources whose published files Tollgate imports. */
export const IMPORT_SOURCES = ['ecb', 'nbp'] as const satisfies readonly RateSource[];
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** One published rate: 1 `base` = `rate` `quote` on `date` (YYYY-MM-DD). */
export interface ParsedRate {
  base: string;
  quote: string;
  /** The decimal exactly as published ("4.3090"). */
  rate: string;
  date: string;
  /** The table's own number (NBP "001/A/NBP/2024"); null where the format has none (ECB). */
  sourceRef: string | null;
}

export interface ParsedRates {
  source: ImportSource;
  /** The days the file holds, oldest first. */
  days: string[];
  rates: ParsedRate[];
}

/**
 * A rates file that cannot be read: `where` names the place (an element path such as
 * 'Envelope/Cube/Cube[1]/Cube[3]', or '[0].rates[2].mid' in NBP JSON). A ValidationError; the
 * import turns it into the 422 that names it.
 */
export class RatesFileError extends ValidationError {
  constructor(
    readonly reason: string,
    readonly where: string,
  ) {
    super(`${reason} (at ${where})`, { where });
  }
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar day written YYYY-MM-DD. */
export function isIsoDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
