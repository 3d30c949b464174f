import { currencyExponent } from '../../domain/money.js';

/**
 * Tollgate's minor units (ISO 4217 exponents, src/domain/money.ts) to Stripe's `amount` and back,
 * here and nowhere else. Stripe's units differ from ISO for a few currencies
 * (https://docs.stripe.com/currencies#special-cases): ISK and UGX are zero-decimal but sent with
 * two decimals, the three-decimal currencies take a last digit of 0, and VND, XAF, XOF, XPF, VUV
 * and MGA are zero-decimal.
 */
const STRIPE_ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export class StripeAmountError extends Error {
  override name = 'StripeAmountError';
}

function stripeExponent(currency: string): number {
  if (STRIPE_ZERO_DECIMAL.has(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/** Stripe's amount for `minor` of `currency`; throws StripeAmountError when Stripe cannot express it exactly. */
export function toStripeAmount(minor: bigint, currency: string): number {
  const shift = stripeExponent(currency) - currencyExponent(currency);
  let amount = minor;
  if (shift > 0) amount = minor * 10n ** BigInt(shift);
  if (shift < 0) {
    const divisor = 10n ** BigInt(-shift);
    if (minor % divisor !== 0n) throw new StripeAmountError(`Stripe takes ${currency} in whole units; ${minor} minor units are not`);
    amount = minor / divisor;
  }
  if (STRIPE_THREE_DECIMAL.has(currency) && amount % 10n !== 0n) throw new StripeAmountError(`Stripe takes ${currency} amounts only in steps of 0.010`);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new StripeAmountError(`${minor} minor units of ${currency} are beyond what Stripe takes`);
  return Number(amount);
}

/** Tollgate's minor units for a Stripe `amount` (disputes); throws StripeAmountError when not exact. */
export function fromStripeAmount(amount: number, currency: string): bigint {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new StripeAmountError(`Stripe amount ${amount} is not a whole non-negative number`);
  const shift = stripeExponent(currency) - currencyExponent(currency);
  const value = BigInt(amount);
  if (shift <= 0) return value * 10n ** BigInt(-shift);
  const divisor = 10n ** BigInt(shift);
  if (value % divisor !== 0n) throw new StripeAmountError(`Stripe amount ${amount} ${currency} has more decimals than ${currency} has`);
  return value / divisor;
}

/** Stripe's currency codes are lower case; Tollgate's are ISO upper case. */
export const stripeCurrency = (currency: string): string => currency.toLowerCase();
