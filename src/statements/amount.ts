import { ValidationError } from '../domain/errors.js';
import { currencyExponent } from '../domain/money.js';
import { StatementParseError } from './errors.js';

export interface AmountOptions {
  decimalSeparator?: '.' | ',';
  /** Thousands grouping allowed in the whole part ("1.234,56"); groups must be exactly three digits. */
  groupSeparator?: '.' | ',' | ' ' | "'";
}

/** The ISO 4217 exponent, reported as a statement error (the caller adds the place). */
export function exponentOf(currency: string): number {
  try {
    return currencyExponent(currency);
  } catch (err) {
    if (err instanceof ValidationError) throw new StatementParseError(err.message, 'currency');
    throw err;
  }
}

/**
 * Parses a decimal amount into signed minor units by string arithmetic (Number would turn 0.29 into
 * 28.999…). Digits beyond the currency's exponent are allowed only when they are zeros: camt allows
 * five decimals ("8.85000" is 885 cents) but "8.855" EUR is not an amount a bank can book.
 * A trailing separator with no fraction ("380115,") is MT940 style and means a whole amount.
 */
export function parseAmountMinor(decimal: string, currency: string, opts: AmountOptions = {}): bigint {
  const separator = opts.decimalSeparator ?? '.';
  if (opts.groupSeparator === separator) {
    throw new StatementParseError('the group separator cannot be the decimal separator', 'amount');
  }
  const exponent = exponentOf(currency);
  const fail = (why: string) => new StatementParseError(`"${decimal}" is not an amount: ${why}`, 'amount');
  const text = decimal.trim();
  const sign = text.startsWith('-') ? '-' : text.startsWith('+') ? '+' : '';
  const body = text.slice(sign.length);
  const cut = body.lastIndexOf(separator);
  const fraction = cut < 0 ? '' : body.slice(cut + 1);
  const whole = ungroup(cut < 0 ? body : body.slice(0, cut), opts.groupSeparator);
  if (whole === undefined || !/^[0-9]*$/.test(fraction)) {
    throw fail(`expected digits, an optional sign and "${separator}" as the decimal separator`);
  }
  const beyond = fraction.slice(exponent);
  if (/[^0]/.test(beyond)) throw fail(`${currency} has ${exponent} decimals and the digits after them are not zeros`);
  const minor = BigInt(whole + fraction.slice(0, exponent).padEnd(exponent, '0'));
  return sign === '-' ? -minor : minor;
}

/** Removes thousands grouping if it is exactly right; undefined when the digits are grouped wrongly. */
function ungroup(whole: string, group: AmountOptions['groupSeparator']): string | undefined {
  if (/^[0-9]+$/.test(whole)) return whole;
  // An empty whole part (".5") or a lone grouping separator is not an amount.
  if (group === undefined) return undefined;
  const parts = whole.split(group);
  const [head = '', ...rest] = parts;
  if (!/^[0-9]{1,3}$/.test(head) || rest.some((p) => !/^[0-9]{3}$/.test(p))) return undefined;
  return parts.join('');
}
