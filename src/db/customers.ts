import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { NotificationLocale } from '../notifications/types.js';
import type { Queryable } from './pool.js';

/** A row of `customers`. */
export interface CustomerRow {
  id: string;
  external_ref: string;
  name: string;
  email: string | null;
  /** The language of its e-mails (migration 0018). */
  locale: NotificationLocale;
  /** The currency its account is kept in (migration 0028); null: payments are not converted. */
  billing_currency: string | null;
  created_at: Date;
}

export interface NewCustomer {
  id: string;
  externalRef: string;
  name: string;
  email: string | null;
  /** Default en, as the column's. */
  locale?: NotificationLocale | undefined;
  billingCurrency?: string | null | undefined;
}

/** Inserts the customer; returns undefined when the external_ref is already taken. */
export async function insertCustomer(db: Queryable, c: NewCustomer): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: `INSERT INTO customers (id, external_ref, name, email, locale, billing_currency) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (external_ref) DO NOTHING
           RETURNING id, external_ref, name, email, locale, billing_currency, created_at`,
    values: [c.id, c.externalRef, c.name, c.email, c.locale ?? 'en', c.billingCurrency ?? null],
  });
  return res.rows[0];
}

/** Changes the fields given (undefined leaves one as it is; email null clears it); undefined when there is no such customer. */
export async function updateCustomer(
  db: Queryable,
  id: string,
  u: { name?: string | undefined; email?: string | null | undefined; locale?: NotificationLocale | undefined; billing_currency?: string | null | undefined },
): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: `UPDATE customers
              SET name = COALESCE($2::text, name),
                  email = CASE WHEN $3::boolean THEN $4::text ELSE email END,
                  locale = COALESCE($5::text, locale),
                  billing_currency = CASE WHEN $6::boolean THEN $7::text ELSE billing_currency END
            WHERE id = $1
        RETURNING id, external_ref, name, email, locale, billing_currency, created_at`,
    values: [id, u.name ?? null, u.email !== undefined, u.email ?? null, u.locale ?? null, u.billing_currency !== undefined, u.billing_currency ?? null],
  });
  return res.rows[0];
}

export async function findCustomer(db: Queryable, id: string): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: 'SELECT id, external_ref, name, email, locale, billing_currency, created_at FROM customers WHERE id = $1',
    values: [id],
  });
  return res.rows[0];
}

export async function findCustomerByExternalRef(db: Queryable, externalRef: string): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: 'SELECT id, external_ref, name, email, locale, billing_currency, created_at FROM customers WHERE external_ref = $1',
    values: [externalRef],
  });
  return res.rows[0];
}

/** Newest first, keyset-paged by (created_at, id); external_ref is exact (the billing system's id). */
export async function listCustomers(
  db: Queryable,
  f: { externalRef?: string | undefined; email?: string | undefined; before?: Keyset | undefined; limit: number },
): Promise<Array<CustomerRow & { cursor_at: string }>> {
  const res = await db.query<CustomerRow & { cursor_at: string }>({
    text: `SELECT id, external_ref, name, email, locale, billing_currency, created_at, ${CURSOR_AT} FROM customers
            WHERE ($1::text IS NULL OR external_ref = $1::text)
              AND ($2::text IS NULL OR lower(email) = lower($2::text))
              AND ${beforeKeyset(3)}
            ORDER BY created_at DESC, id DESC LIMIT $5`,
    values: [f.externalRef ?? null, f.email ?? null, ...keysetValues(f.before), f.limit],
  });
  return res.rows;
}
