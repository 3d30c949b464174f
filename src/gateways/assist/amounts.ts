import { currencyExponent, parseDecimal } from '../../domain/money.js';

/**
 * Tollgate's minor units to Assist's amounts and back, here and nowhere else. Assist takes
 * "a number, 15 digits, two digits after the delimiter (delimiter '.')" (order.cfm OrderAmount,
 * rp.cfm Amount): always two decimals, whatever the currency's own exponent.
 */
export class AssistAmountError extends Error {
  override name = 'AssistAmountError';
}

export function toAssistAmount(minor: bigint, currency: string): string {
  if (minor <= 0n) throw new AssistAmountError(`Assist takes positive amounts only, not ${minor}`);
  const exponent = currencyExponent(currency);
  let cents = minor;
  if (exponent < 2) cents = minor * 10n ** BigInt(2 - exponent);
  if (exponent > 2) {
    const divisor = 10n ** BigInt(exponent - 2);
    if (minor % divisor !== 0n) throw new AssistAmountError(`Assist takes two decimals; ${minor} minor units of ${currency} have more`);
    cents = minor / divisor;
  }
  if (cents.toString().length > 15) throw new AssistAmountError(`${minor} minor units of ${currency} are beyond Assist's 15 digits`);
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}

/** Minor units of `currency` for an amount Assist sent ("18.15", "18,15"); throws when it has more decimals than the currency. */
export function fromAssistAmount(text: string, currency: string): bigint {
  return parseDecimal(text, currency).minor;
}

/**
 * What Assist reports paid, for GatewayOutcome.paidMinor/paidCurrency: the payer's browser carries
 * OrderAmount in the form's URL and can change it, and Assist signs whatever was paid. Undefined
 * when the amount cannot be read (the payment then cannot succeed on this report: see paidMismatch).
 */
export function paidOf(amount: string, currency: string): { paidMinor: string; paidCurrency: string } {
  try {
    return { paidMinor: fromAssistAmount(amount, currency).toString(), paidCurrency: currency };
  } catch {
    return { paidMinor: `unreadable:${amount.slice(0, 32)}`, paidCurrency: currency };
  }
}
