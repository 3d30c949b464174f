import type { Queryable } from './pool.js';

/** A row of uniteller_cancel_requests (migration 0032): one /unblock/ send per refund key of a partial-refund gateway. */
export interface UnitellerCancelRow {
  idempotency_key: string;
  gateway: string;
  mode: 'test' | 'live';
  order_id: string;
  amount_minor: bigint;
  currency: string;
  refunds_before: string[];
  status: 'sent' | 'pending' | 'succeeded' | 'failed';
  gateway_refund_id: string | null;
  code: string | null;
  message: string | null;
  created_at: Date;
  decided_at: Date | null;
}

const COLUMNS = `idempotency_key, gateway, mode, order_id, amount_minor, currency, refunds_before, status,
  gateway_refund_id, code, message, created_at, decided_at`;

export type NewUnitellerCancel = Pick<UnitellerCancelRow, 'idempotency_key' | 'gateway' | 'mode' | 'order_id' | 'amount_minor' | 'currency' | 'refunds_before'>;

/**
 * Records a send before it happens. `mine`: this key's row was written now; `exists`: the key was
 * sent before (never send it again); `busy`: another key's cancellation of the same order is still
 * unresolved (the partial unique index), so this one waits.
 */
export async function recordUnitellerCancel(db: Queryable, c: NewUnitellerCancel): Promise<'mine' | 'exists' | 'busy'> {
  const res = await db.query({
    text: `INSERT INTO uniteller_cancel_requests (idempotency_key, gateway, mode, order_id, amount_minor, currency, refunds_before, status)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::text[], 'sent') ON CONFLICT DO NOTHING`,
    values: [c.idempotency_key, c.gateway, c.mode, c.order_id, c.amount_minor.toString(), c.currency, c.refunds_before],
  });
  if (res.rowCount === 1) return 'mine';
  return (await findUnitellerCancel(db, c.idempotency_key)) ? 'exists' : 'busy';
}

export async function findUnitellerCancel(db: Queryable, key: string): Promise<UnitellerCancelRow | undefined> {
  const res = await db.query<UnitellerCancelRow>({ text: `SELECT ${COLUMNS} FROM uniteller_cancel_requests WHERE idempotency_key = $1`, values: [key] });
  return res.rows[0];
}

/** Writes what became of a send; a decided row (succeeded, failed) never changes again. */
export async function settleUnitellerCancel(
  db: Queryable,
  key: string,
  r: { status: UnitellerCancelRow['status']; gatewayRefundId?: string | undefined; code?: string | undefined; message?: string | undefined },
): Promise<void> {
  await db.query({
    text: `UPDATE uniteller_cancel_requests SET status = $2, gateway_refund_id = COALESCE($3, gateway_refund_id), code = $4, message = $5,
                  decided_at = CASE WHEN $2 IN ('succeeded', 'failed') THEN now() END
            WHERE idempotency_key = $1 AND status IN ('sent', 'pending')`,
    values: [key, r.status, r.gatewayRefundId ?? null, r.code ?? null, r.message ?? null],
  });
}

/**
 * Forgets a send Uniteller answered with 15 ("try again later": nothing was cancelled), so the
 * refund workflow's next try sends the key again; only a row still `sent` is removed.
 */
export async function forgetUnitellerCancel(db: Queryable, key: string): Promise<void> {
  await db.query({ text: "DELETE FROM uniteller_cancel_requests WHERE idempotency_key = $1 AND status = 'sent'", values: [key] });
}
