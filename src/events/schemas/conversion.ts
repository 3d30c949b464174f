import { z } from '@hono/zod-openapi';
import { RATE_METHODS } from '../../rates/choose.js';
import { RATE_SOURCES } from '../../rates/types.js';
import { Currency, Minor } from './common.js';

/**
 * A succeeded payment's conversion into its customer's billing currency (src/activities/
 * payment-conversion.ts), present when the customer has a billing_currency other than the
 * payment's currency. status `missing`: no rate was known for the booking day — the payment
 * succeeded all the same, and the billing system converts it itself (rate fields are null).
 */
export const ConversionFields = z
  .object({
    billing_currency: Currency,
    booking_day: z.string().openapi({ format: 'date', description: 'The payment\'s completion day in EXCHANGE_RATE_TIME_ZONE' }),
    status: z.enum(['converted', 'missing']),
    rate: z.string().nullable().openapi({ description: 'Units of billing_currency per unit of the payment\'s currency, a decimal string', example: '4.309' }),
    rate_date: z.string().nullable().openapi({ format: 'date', description: 'The day the rate is dated: the newest on or before booking_day' }),
    source: z.enum(RATE_SOURCES).nullable(),
    method: z.enum(RATE_METHODS).nullable().openapi({ description: 'direct (as published), inverse (1/rate of the opposite pair), cross_eur or cross_pln (two legs of one table)' }),
    converted_amount: Minor.nullable().openapi({ description: 'credited_amount (amount − commission) × rate in minor units of billing_currency, rounded half-even: what the billing system books' }),
    reason: z.string().nullable().openapi({ description: 'Why the conversion is missing (no rate for the booking day, or the conversion failed, e.g. an amount too large for JSON); null when converted' }),
  })
  .openapi('PaymentConversion');
export type ConversionFields = z.infer<typeof ConversionFields>;
