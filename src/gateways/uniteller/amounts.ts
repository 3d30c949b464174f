import { currencyExponent, formatDecimal, parseDecimal } from '../../domain/money.js';

/**
 * Tollgate's minor units to Uniteller's Subtotal_P and back, here and nowhere else. Uniteller
 * takes the amount in major units with a point and at most two decimals ("12.34"; manual,
 * "Параметры запроса на оплату": Subtotal_P). A currency with more decimals cannot be sent.
 */
export class UnitellerAmountError extends Error {
  override name = 'UnitellerAmountError';
}

export function toSubtotalP(minor: bigint, currency: string): string {
  if (minor <= 0n) throw new UnitellerAmountError(`Uniteller takes positive amounts only, not ${minor}`);
  if (currencyExponent(currency) > 2) throw new UnitellerAmountError(`Uniteller takes at most two decimals; ${currency} has ${currencyExponent(currency)}`);
  return formatDecimal({ minor, currency });
}

/** The minor units of a Uniteller amount ("100.50"); throws UnitellerAmountError when it is not one. */
export function fromUnitellerAmount(text: string, currency: string): bigint {
  try {
    return parseDecimal(text.replace(',', '.'), currency).minor;
  } catch {
    throw new UnitellerAmountError(`"${text}" is not a ${currency} amount`);
  }
}
