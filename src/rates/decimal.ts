import { ValidationError } from '../domain/errors.js';
import { currencyExponent } from '../domain/money.js';

/**
 * Rates are decimal strings ("4.3090") turned into exact fractions of bigints: never a float, so
 * amount × rate is the same number on every machine and in Postgres' numeric.
 */
export interface Ratio {
  readonly num: bigint;
  /** Always > 0. */
  readonly den: bigint;
}

// Central banks publish at most 6 significant decimals (NBP's HUF 0.011245, ECB's IDR 17487.21);
// 12 and 12 leave room for a manual rate of any real pair and still refuse nonsense.
const RATE = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** Why `text` is not a rate (a positive plain decimal, dot as separator), or undefined when it is one. */
export function rateProblem(text: string): string | undefined {
  const m = RATE.exec(text);
  if (!m) return `"${text.slice(0, 40)}" is not a plain decimal rate (digits, optionally "." and up to 12 decimals)`;
  if (/^[0.]+$/.test(text)) return 'a rate must be above zero';
  return undefined;
}

export function parseRate(text: string): Ratio {
  const problem = rateProblem(text);
  if (problem) throw new ValidationError(problem);
  const [whole = '0', fraction = ''] = text.split('.');
  return { num: BigInt(whole + fraction), den: 10n ** BigInt(fraction.length) };
}

export function invert(r: Ratio): Ratio {
  if (r.num === 0n) throw new Error('cannot invert a zero rate');
  return r.num < 0n ? { num: -r.den, den: -r.num } : { num: r.den, den: r.num };
}

export function multiply(a: Ratio, b: Ratio): Ratio {
  return { num: a.num * b.num, den: a.den * b.den };
}

/**
 * num / den rounded to an integer, a tie going to the even neighbour (banker's rounding, IEEE 754
 * roundTiesToEven): 2.5 → 2, 3.5 → 4, -2.5 → -2. Ties are where half-up rounding drifts upward
 * over many conversions; half-even does not.
 */
export function roundHalfEven(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new Error('denominator must be positive');
  const negative = num < 0n;
  const n = negative ? -num : num;
  let q = n / den;
  const twice = (n % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** The ratio as a decimal string with at most `places` decimals (half-even), trailing zeros dropped. */
export function ratioToDecimal(r: Ratio, places: number): string {
  const scaled = roundHalfEven(r.num * 10n ** BigInt(places), r.den);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * amount (minor units of `from`) × rate (units of `to` per unit of `from`), in minor units of
 * `to`, rounded half-even once, at the end: the exponents of both currencies (JPY 0, PLN 2,
 * KWD 3) are part of the fraction, so nothing is rounded on the way.
 */
export function convertMinor(amountMinor: bigint, from: string, to: string, rate: Ratio): bigint {
  const shift = currencyExponent(to) - currencyExponent(from);
  const num = amountMinor * rate.num * (shift > 0 ? 10n ** BigInt(shift) : 1n);
  const den = rate.den * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
  return roundHalfEven(num, den);
}
