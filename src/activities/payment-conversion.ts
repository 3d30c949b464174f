import { ratesForPair } from '../db/exchange-rates.js';
import { conversionJson, insertConversion, type NewPaymentConversion } from '../db/payment-conversions.js';
import type { CompletedPayment } from '../db/payments.js';
import type { Queryable } from '../db/pool.js';
import { toJsonMinor } from '../domain/money.js';
import { zonedParts } from '../domain/zoned-time.js';
import type { ConversionFields } from '../events/schemas/conversion.js';
import { chooseRate } from '../rates/choose.js';
import { convertMinor } from '../rates/decimal.js';

/** How a payment's booking day and its rate are found (EXCHANGE_RATE_TIME_ZONE, EXCHANGE_RATE_MAX_AGE_DAYS). */
export interface RateSettings {
  timeZone: string;
  maxAgeDays: number;
}

/** The config's defaults, for callers built before rates existed (tests that build activities by hand). */
export const DEFAULT_RATE_SETTINGS: RateSettings = { timeZone: 'UTC', maxAgeDays: 7 };

/** The calendar day of `at` in `timeZone`, YYYY-MM-DD. */
export function bookingDay(at: Date, timeZone: string): string {
  const p = zonedParts(at.getTime(), timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * Records what a payment that just succeeded credits (amount − commission) in its customer's billing currency, inside
 * the transaction that records the success (the payment workflow's activity is the one writer).
 * Nothing when the customer has no billing currency or pays in it. The rate is the newest dated
 * on or before the booking day — the completion's calendar day in `settings.timeZone` — and at
 * most `maxAgeDays` older (chooseRate says which of several). With none, the conversion is
 * recorded as missing (with its reason) and the success goes ahead: money is never held back for a
 * rate — nor for a conversion that fails (an amount beyond the events' JSON integers).
 */
export async function recordConversion(tx: Queryable, payment: CompletedPayment, settings: RateSettings): Promise<ConversionFields | undefined> {
  const target = payment.customer_billing_currency;
  if (target === null || target === payment.currency) return undefined;
  const day = bookingDay(payment.completed_at ?? new Date(), settings.timeZone);
  const rates = await ratesForPair(tx, payment.currency, target, day, settings.maxAgeDays);
  const base = { payment_id: payment.id, billing_currency: target, booking_day: day };
  const none = { rate: null, rate_date: null, source: null, method: null, converted_amount_minor: null };
  // Only the arithmetic is caught, never the transaction's queries (above and below): a conversion
  // that cannot be done must not fail the activity, which would retry the success for ever.
  let outcome: NewPaymentConversion;
  try {
    const chosen = chooseRate(rates, payment.currency, target);
    if (!chosen) {
      outcome = { ...base, ...none, status: 'missing', reason: `no ${payment.currency}/${target} rate dated ${day} or up to ${settings.maxAgeDays} days before` };
    } else {
      // What the customer is credited, not what the gateway charged: a portal payment's amount holds
      // the gateway's commission, which the payer paid and the billing system must not book.
      const converted = convertMinor(payment.amount_minor - payment.commission_minor, payment.currency, target, chosen.ratio);
      toJsonMinor(converted); // every event carries it as a JSON number: one too large cannot be sent
      outcome = { ...base, status: 'converted', rate: chosen.rate, rate_date: chosen.rateDate, source: chosen.source, method: chosen.method, converted_amount_minor: converted, reason: null };
    }
  } catch (err) {
    outcome = { ...base, ...none, status: 'missing', reason: `the conversion failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const row = await insertConversion(tx, outcome);
  return conversionJson(row);
}
