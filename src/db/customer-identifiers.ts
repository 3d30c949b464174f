import type { IdentifierKind } from '../identification/types.js';
import type { StoredIdentifierKind } from '../identification/normalise.js';
import type { Queryable } from './pool.js';

/** A row of `customer_identifiers` (migration 0025): value normalised (src/identification/normalise.ts). */
export interface IdentifierRow {
  kind: StoredIdentifierKind;
  value: string;
}

/** A row of `customer_balances`: what the billing system last pushed. */
export interface BalanceRow {
  customer_id: string;
  balance_minor: bigint;
  currency: string;
  active: boolean;
  as_of: Date;
}

export async function listIdentifiers(db: Queryable, customerId: string): Promise<IdentifierRow[]> {
  const res = await db.query<IdentifierRow>({
    text: 'SELECT kind, value FROM customer_identifiers WHERE customer_id = $1 ORDER BY kind',
    values: [customerId],
  });
  return res.rows;
}

/** Locks the customer row for a change of its identifiers (two PUTs for one customer run one after the other); false when there is none. */
export async function lockCustomerForIdentifiers(db: Queryable, customerId: string): Promise<boolean> {
  const res = await db.query({ text: 'SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', values: [customerId] });
  return res.rowCount === 1;
}

/**
 * Replaces the customer's set with `set` (inside the caller's transaction, after
 * lockCustomerForIdentifiers). Returns the kinds whose value another customer holds: the caller
 * rolls back then. A value being claimed by another transaction at the same moment waits for it
 * (the primary key's unique check), so two customers never both get it.
 */
export async function replaceIdentifiers(db: Queryable, customerId: string, set: IdentifierRow[]): Promise<StoredIdentifierKind[]> {
  await db.query({ text: 'DELETE FROM customer_identifiers WHERE customer_id = $1', values: [customerId] });
  if (set.length === 0) return [];
  const res = await db.query<{ kind: StoredIdentifierKind }>({
    text: `INSERT INTO customer_identifiers (kind, value, customer_id)
           SELECT k, v, $1::text FROM unnest($2::text[], $3::text[]) AS s (k, v)
           ON CONFLICT (kind, value) DO NOTHING
           RETURNING kind`,
    values: [customerId, set.map((r) => r.kind), set.map((r) => r.value)],
  });
  const inserted = new Set(res.rows.map((r) => r.kind));
  return set.map((r) => r.kind).filter((k) => !inserted.has(k));
}

/**
 * Stores a pushed balance unless a newer one (by as_of) is stored already; undefined then. Equal
 * as_of replaces: the billing system correcting what it said for the same moment.
 */
export async function upsertBalance(db: Queryable, b: BalanceRow): Promise<BalanceRow | undefined> {
  const res = await db.query<BalanceRow>({
    text: `INSERT INTO customer_balances (customer_id, balance_minor, currency, active, as_of)
           VALUES ($1, $2::bigint, $3, $4::boolean, $5::timestamptz)
           ON CONFLICT (customer_id) DO UPDATE
              SET balance_minor = EXCLUDED.balance_minor, currency = EXCLUDED.currency, active = EXCLUDED.active,
                  as_of = EXCLUDED.as_of, updated_at = now()
            WHERE customer_balances.as_of <= EXCLUDED.as_of
        RETURNING customer_id, balance_minor, currency, active, as_of`,
    values: [b.customer_id, b.balance_minor.toString(), b.currency, b.active, b.as_of],
  });
  return res.rows[0];
}

export async function findBalance(db: Queryable, customerId: string): Promise<BalanceRow | undefined> {
  const res = await db.query<BalanceRow>({
    text: 'SELECT customer_id, balance_minor, currency, active, as_of FROM customer_balances WHERE customer_id = $1',
    values: [customerId],
  });
  return res.rows[0];
}

/** The customer a payer's identifier found, with the pushed balance when there is one. */
export interface PayerRow {
  kind: IdentifierKind;
  customer_id: string;
  external_ref: string;
  name: string;
  balance_minor: bigint | null;
  currency: string | null;
  active: boolean | null;
}

/**
 * The first candidate, in the given order, that names a customer: one query whichever kinds are
 * asked and whichever exist, so a miss costs the same as any other miss. `uid` is matched against
 * customers.external_ref, every other kind against customer_identifiers.
 */
export async function findPayer(db: Queryable, candidates: Array<{ kind: IdentifierKind; value: string }>): Promise<PayerRow | undefined> {
  const res = await db.query<PayerRow>({
    name: 'find-payer',
    text: `SELECT q.kind, c.id AS customer_id, c.external_ref, c.name, b.balance_minor, b.currency, b.active
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q (kind, value, ord)
             JOIN LATERAL (
                    SELECT i.customer_id FROM customer_identifiers i WHERE i.kind = q.kind AND i.value = q.value
                    UNION ALL
                    SELECT u.id FROM customers u WHERE q.kind = 'uid' AND u.external_ref = q.value
                  ) m ON true
             JOIN customers c ON c.id = m.customer_id
             LEFT JOIN customer_balances b ON b.customer_id = c.id
            ORDER BY q.ord
            LIMIT 1`,
    values: [candidates.map((c) => c.kind), candidates.map((c) => c.value)],
  });
  return res.rows[0];
}

/** The customer with this external_ref, for a lookup hook's answer (which names the billing system's id). */
export async function findPayerByExternalRef(db: Queryable, externalRef: string): Promise<Omit<PayerRow, 'kind'> | undefined> {
  const res = await db.query<Omit<PayerRow, 'kind'>>({
    text: `SELECT c.id AS customer_id, c.external_ref, c.name, b.balance_minor, b.currency, b.active
             FROM customers c LEFT JOIN customer_balances b ON b.customer_id = c.id
            WHERE c.external_ref = $1`,
    values: [externalRef],
  });
  return res.rows[0];
}
