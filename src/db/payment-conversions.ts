import { toJsonMinor } from '../domain/money.js';
import type { ConversionFields } from '../events/schemas/conversion.js';
import type { RateMethod } from '../rates/choose.js';
import type { RateSource } from '../rates/types.js';
import type { Queryable } from './pool.js';

/** A row of `payment_conversions` (migration 0028); rate and days as text. */
export interface PaymentConversionRow {
  payment_id: string;
  billing_currency: string;
  booking_day: string;
  status: 'converted' | 'missing';
  rate: string | null;
  rate_date: string | null;
  source: RateSource | null;
  method: RateMethod | null;
  converted_amount_minor: bigint | null;
  /** Why it is missing; null when converted. */
  reason: string | null;
  created_at: Date;
}

const COLUMNS = `payment_id, billing_currency, booking_day::text AS booking_day, status, rate::text AS rate, rate_date::text AS rate_date,
  source, method, converted_amount_minor, reason, created_at`;

export type NewPaymentConversion = Omit<PaymentConversionRow, 'created_at'>;

/** Records the conversion once; a retry of the same success finds the first one and returns it. */
export async function insertConversion(db: Queryable, c: NewPaymentConversion): Promise<PaymentConversionRow> {
  const res = await db.query<PaymentConversionRow>({
    text: `INSERT INTO payment_conversions (payment_id, billing_currency, booking_day, status, rate, rate_date, source, method, converted_amount_minor, reason)
           VALUES ($1, $2, $3::date, $4, $5::numeric, $6::date, $7, $8, $9::bigint, $10::text)
           ON CONFLICT (payment_id) DO NOTHING
           RETURNING ${COLUMNS}`,
    values: [c.payment_id, c.billing_currency, c.booking_day, c.status, c.rate, c.rate_date, c.source, c.method, c.converted_amount_minor?.toString() ?? null, c.reason],
  });
  return res.rows[0] ?? (await findConversion(db, c.payment_id))!;
}

export async function findConversion(db: Queryable, paymentId: string): Promise<PaymentConversionRow | undefined> {
  const res = await db.query<PaymentConversionRow>({ text: `SELECT ${COLUMNS} FROM payment_conversions WHERE payment_id = $1`, values: [paymentId] });
  return res.rows[0];
}

export function conversionJson(row: PaymentConversionRow): ConversionFields {
  return {
    billing_currency: row.billing_currency,
    booking_day: row.booking_day,
    status: row.status,
    rate: row.rate,
    rate_date: row.rate_date,
    source: row.source,
    method: row.method,
    converted_amount: row.converted_amount_minor === null ? null : toJsonMinor(row.converted_amount_minor),
    reason: row.reason,
  };
}

/** `{ conversion }` for an event about the payment (its temporary payment's), or nothing when it has none. */
export async function conversionOf(db: Queryable, paymentId: string): Promise<{ conversion?: ConversionFields }> {
  const row = await findConversion(db, paymentId);
  return row ? { conversion: conversionJson(row) } : {};
}
