import { ValidationError } from './errors.js';

/**
 * Money is an integer count of minor units (cents, grosze, kopecks) as a bigint, with its ISO 4217
 * currency. Decimal strings are parsed by string arithmetic, never through Number.
 */
export interface Money {
  readonly minor: bigint;
  readonly currency: string;
}

/** ISO 4217 exponents that differ from 2. Anything else well-formed defaults to 2. */
const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const CURRENCY = /^[A-Z]{3}$/;

export function isCurrencyCode(code: string): boolean {
  return CURRENCY.test(code);
}

export function currencyExponent(currency: string): number {
  if (!isCurrencyCode(currency)) throw new ValidationError(`"${currency}" is not an ISO 4217 currency code`);
  return EXPONENT_EXCEPTIONS[currency] ?? 2;
}

const DECIMAL = /^([+-]?)(\d+)(?:[.,](\d+))?$/;

/**
 * Parses a decimal string ("18.15", "1,5", "-0.07", "100") into minor units of `currency`.
 * More fraction digits than the currency has are rejected unless they are all zero.
 */
export function parseDecimal(text: string, currency: string): Money {
  const exponent = currencyExponent(currency);
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new ValidationError(`"${text}" is not a decimal amount`);
  const [, sign = '', whole = '0', rawFraction = ''] = m;
  const significant = rawFraction.replace(/0+$/, '');
  if (significant.length > exponent) {
    throw new ValidationError(`"${text}" has more decimals than ${currency} allows (${exponent})`);
  }
  const fraction = significant.padEnd(exponent, '0');
  const minor = BigInt(whole + fraction);
  return { minor: sign === '-' ? -minor : minor, currency };
}

/** Formats minor units as a plain decimal string with the currency's exponent ("18.15"). */
export function formatDecimal(money: Money): string {
  const exponent = currencyExponent(money.currency);
  const negative = money.minor < 0n;
  const digits = (negative ? -money.minor : money.minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** Largest amount that travels as a JSON integer without losing precision. */
export const MAX_JSON_SAFE_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/** Converts minor units arriving as a JSON integer; rejects fractions and unsafe magnitudes. */
export function minorFromJson(value: number, currency: string): Money {
  currencyExponent(currency);
  if (!Number.isSafeInteger(value)) {
    throw new ValidationError(`amount ${value} must be an integer count of minor units`);
  }
  return { minor: BigInt(value), currency };
}

export function toJsonMinor(minor: bigint): number {
  if (minor > MAX_JSON_SAFE_MINOR || minor < -MAX_JSON_SAFE_MINOR) {
    throw new ValidationError(`amount ${minor} does not fit a JSON integer`);
  }
  return Number(minor);
}
