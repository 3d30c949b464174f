import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';

/** A row of `customers`. */
export interface CustomerRow {
  id: string;
  external_ref: string;
  name: string;
  email: string | null;
  created_at: Date;
}

export interface NewCustomer {
  id: string;
  externalRef: string;
  name: string;
  email: string | null;
}

/** Inserts the customer; returns undefined when the external_ref is already taken. */
export async function insertCustomer(db: Queryable, c: NewCustomer): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: `INSERT INTO customers (id, external_ref, name, email) VALUES ($1, $2, $3, $4)
           ON CONFLICT (external_ref) DO NOTHING
           RETURNING id, external_ref, name, email, created_at`,
    values: [c.id, c.externalRef, c.name, c.email],
  });
  return res.rows[0];
}

export async function findCustomer(db: Queryable, id: string): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: 'SELECT id, external_ref, name, email, created_at FROM customers WHERE id = $1',
    values: [id],
  });
  return res.rows[0];
}

export async function findCustomerByExternalRef(db: Queryable, externalRef: string): Promise<CustomerRow | undefined> {
  const res = await db.query<CustomerRow>({
    text: 'SELECT id, external_ref, name, email, created_at FROM customers WHERE external_ref = $1',
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
    text: `SELECT id, external_ref, name, email, created_at, ${CURSOR_AT} FROM customers
            WHERE ($1::text IS NULL OR external_ref = $1::text)
              AND ($2::text IS NULL OR lower(email) = lower($2::text))
              AND ${beforeKeyset(3)}
            ORDER BY created_at DESC, id DESC LIMIT $5`,
    values: [f.externalRef ?? null, f.email ?? null, ...keysetValues(f.before), f.limit],
  });
  return res.rows;
}
