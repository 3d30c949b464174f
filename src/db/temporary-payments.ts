import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';
import { BANK_CONFIRMABLE_SETTLEMENTS, type SettledReason } from '../domain/statement-matching.js';

/** A row of `temporary_payments`. */
export interface TemporaryPaymentRow {
  id: string;
  payment_id: string;
  customer_id: string;
  amount_minor: bigint;
  currency: string;
  reference: string;
  status: 'open' | 'settled';
  settled_reason: SettledReason | null;
  settled_at: Date | null;
  bank_line_id: string | null;
  expiration_ms: bigint | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface TemporaryHistoryRow {
  id: bigint;
  action: 'created' | 'settled' | 'bank_confirmed' | 'unsettled';
  reason: string | null;
  actor: string | null;
  expires_at: Date | null;
  bank_line_id: string | null;
  created_at: Date;
}

const COLUMNS = `id, payment_id, customer_id, amount_minor, currency, reference, status, settled_reason, settled_at,
  bank_line_id, expiration_ms, expires_at, created_at, updated_at`;

/** Opens the temporary payment of a succeeded payment; a repeat returns the one already open. */
export async function insertTemporaryPayment(
  db: Queryable,
  t: { id: string; paymentId: string; customerId: string; amountMinor: bigint; currency: string; reference: string; expirationMs: number | null; expiresAt: Date | null },
): Promise<{ row: TemporaryPaymentRow; created: boolean }> {
  const res = await db.query<TemporaryPaymentRow>({
    text: `INSERT INTO temporary_payments (id, payment_id, customer_id, amount_minor, currency, reference, expiration_ms, expires_at)
           VALUES ($1, $2, $3, $4::bigint, $5, $6, $7, $8) ON CONFLICT (payment_id) DO NOTHING RETURNING ${COLUMNS}`,
    values: [t.id, t.paymentId, t.customerId, t.amountMinor.toString(), t.currency, t.reference, t.expirationMs, t.expiresAt],
  });
  if (res.rows[0]) return { row: res.rows[0], created: true };
  const existing = await db.query<TemporaryPaymentRow>({ text: `SELECT ${COLUMNS} FROM temporary_payments WHERE payment_id = $1`, values: [t.paymentId] });
  if (!existing.rows[0]) throw new Error(`temporary payment of ${t.paymentId} vanished`);
  return { row: existing.rows[0], created: false };
}

export async function findTemporaryPayment(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<TemporaryPaymentRow | undefined> {
  const res = await db.query<TemporaryPaymentRow>({
    text: `SELECT ${COLUMNS} FROM temporary_payments WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    values: [id],
  });
  return res.rows[0];
}

/**
 * Settles an open (or hand-settled or expired, when the bank confirms it) temporary payment. Returns the row
 * when this call changed it; undefined when it was already settled another way.
 */
export async function settleTemporary(
  db: Queryable,
  id: string,
  s: { reason: 'bank' | 'manual' | 'expired'; bankLineId: string | null },
): Promise<TemporaryPaymentRow | undefined> {
  const res = await db.query<TemporaryPaymentRow>({
    text: `UPDATE temporary_payments
              SET status = 'settled', settled_reason = $2, settled_at = now(), bank_line_id = $3, expires_at = NULL, updated_at = now()
            WHERE id = $1 AND (status = 'open' OR ($2 = 'bank' AND settled_reason = ANY($4::text[])))
        RETURNING ${COLUMNS}`,
    values: [id, s.reason, s.bankLineId, BANK_CONFIRMABLE_SETTLEMENTS],
  });
  return res.rows[0];
}

/** Reopens a settled temporary payment (by hand, expiry or bank) with a fresh expiry. */
export async function reopenTemporary(db: Queryable, id: string, expiresAt: Date | null): Promise<TemporaryPaymentRow | undefined> {
  const res = await db.query<TemporaryPaymentRow>({
    text: `UPDATE temporary_payments
              SET status = 'open', settled_reason = NULL, settled_at = NULL, bank_line_id = NULL, expires_at = $2, updated_at = now()
            WHERE id = $1 AND status = 'settled'
        RETURNING ${COLUMNS}`,
    values: [id, expiresAt],
  });
  return res.rows[0];
}

export async function appendTemporaryHistory(
  db: Queryable,
  h: { temporaryPaymentId: string; action: TemporaryHistoryRow['action']; reason?: string | null; actor?: string | null; expiresAt?: Date | null; bankLineId?: string | null },
): Promise<void> {
  await db.query({
    text: `INSERT INTO temporary_payment_history (temporary_payment_id, action, reason, actor, expires_at, bank_line_id)
           VALUES ($1, $2, $3, $4, $5, $6)`,
    values: [h.temporaryPaymentId, h.action, h.reason ?? null, h.actor ?? null, h.expiresAt ?? null, h.bankLineId ?? null],
  });
}

export async function listTemporaryHistory(db: Queryable, id: string): Promise<TemporaryHistoryRow[]> {
  const res = await db.query<TemporaryHistoryRow>({
    text: `SELECT id, action, reason, actor, expires_at, bank_line_id, created_at
             FROM temporary_payment_history WHERE temporary_payment_id = $1 ORDER BY id`,
    values: [id],
  });
  return res.rows;
}

/** Newest first, keyset-paged by (created_at, id). */
export async function listTemporaryPayments(
  db: Queryable,
  f: { status?: string | undefined; customerId?: string | undefined; before?: Keyset | undefined; limit: number },
): Promise<Array<TemporaryPaymentRow & { cursor_at: string }>> {
  const res = await db.query<TemporaryPaymentRow & { cursor_at: string }>({
    text: `SELECT ${COLUMNS}, ${CURSOR_AT} FROM temporary_payments
            WHERE ($1::text IS NULL OR status = $1::text)
              AND ($2::text IS NULL OR customer_id = $2::text)
              AND ${beforeKeyset(3)}
            ORDER BY created_at DESC, id DESC LIMIT $5`,
    values: [f.status ?? null, f.customerId ?? null, ...keysetValues(f.before), f.limit],
  });
  return res.rows;
}
