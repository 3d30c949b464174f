import type { Queryable } from '../../db/pool.js';

/** A row of the sandbox's own books: one per idempotency key that reached the pretend bank. */
export interface SandboxLedgerRow {
  idempotency_key: string;
  token: string;
  amount_minor: bigint;
  currency: string;
  /** action_required: the issuer asked for the cardholder's authentication; nothing was approved. */
  outcome: 'approved' | 'soft_decline' | 'hard_decline' | 'action_required';
  code: string;
  message: string;
  transaction_id: string;
  /** Which of the sandbox's accounts (test or live credentials) booked it. */
  mode: 'test' | 'live';
  created_at: Date;
}

const COLUMNS = 'idempotency_key, token, amount_minor, currency, outcome, code, message, transaction_id, mode, created_at';

/** Books a charge once per key; a repeat of the key returns the first booking unchanged. */
export async function bookCharge(
  db: Queryable,
  row: Omit<SandboxLedgerRow, 'created_at'>,
): Promise<SandboxLedgerRow> {
  const inserted = await db.query<SandboxLedgerRow>({
    name: 'sandbox-book-charge', // a prepared statement: it is on every charge's path
    text: `INSERT INTO sandbox_ledger (idempotency_key, token, amount_minor, currency, outcome, code, message, transaction_id, mode)
           VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
    values: [row.idempotency_key, row.token, row.amount_minor.toString(), row.currency, row.outcome, row.code, row.message, row.transaction_id, row.mode],
  });
  const first = inserted.rows[0] ?? (await findBooking(db, row.idempotency_key));
  if (!first) throw new Error(`sandbox ledger lost booking ${row.idempotency_key}`);
  return first;
}

export async function findBooking(db: Queryable, key: string): Promise<SandboxLedgerRow | undefined> {
  const res = await db.query<SandboxLedgerRow>({ name: 'sandbox-find-booking', text: `SELECT ${COLUMNS} FROM sandbox_ledger WHERE idempotency_key = $1`, values: [key] });
  return res.rows[0];
}

/** Soft declines already booked for this token on keys starting with `keyPrefix` (one subscription). */
export async function countSoftDeclines(db: Queryable, token: string, keyPrefix: string): Promise<number> {
  const res = await db.query<{ n: number }>({
    text: `SELECT count(*)::int AS n FROM sandbox_ledger
            WHERE token = $1 AND outcome = 'soft_decline' AND starts_with(idempotency_key, $2)`,
    values: [token, keyPrefix],
  });
  return res.rows[0]?.n ?? 0;
}

export async function listBookings(db: Queryable, filter: { keyPrefix?: string | undefined; limit: number }): Promise<SandboxLedgerRow[]> {
  const res = await db.query<SandboxLedgerRow>({
    text: `SELECT ${COLUMNS} FROM sandbox_ledger
            WHERE ($1::text IS NULL OR starts_with(idempotency_key, $1::text))
            ORDER BY created_at, idempotency_key LIMIT $2`,
    values: [filter.keyPrefix ?? null, filter.limit],
  });
  return res.rows;
}
