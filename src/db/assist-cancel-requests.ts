import type { Queryable } from './pool.js';

/** A row of assist_cancel_requests (migration 0031): one cancel.cfm send per refund key. */
export interface AssistCancelRow {
  idempotency_key: string;
  gateway: string;
  mode: 'test' | 'live';
  billnumber: string;
  order_number: string;
  amount_minor: bigint;
  currency: string;
  state_before: string;
  status: 'sent' | 'pending' | 'succeeded' | 'failed';
  gateway_refund_id: string | null;
  code: string | null;
  message: string | null;
  created_at: Date;
  decided_at: Date | null;
}

const COLUMNS = `idempotency_key, gateway, mode, billnumber, order_number, amount_minor, currency, state_before, status,
  gateway_refund_id, code, message, created_at, decided_at`;

export type NewAssistCancel = Pick<AssistCancelRow, 'idempotency_key' | 'gateway' | 'mode' | 'billnumber' | 'order_number' | 'amount_minor' | 'currency' | 'state_before'>;

/**
 * Records a send before it happens. `mine`: this key's row was written now; `exists`: the key was
 * sent before (never send it again); `busy`: another key's cancellation of the same bill is still
 * unresolved (the partial unique index), so this one waits.
 */
export async function recordAssistCancel(db: Queryable, c: NewAssistCancel): Promise<'mine' | 'exists' | 'busy'> {
  const res = await db.query({
    text: `INSERT INTO assist_cancel_requests (idempotency_key, gateway, mode, billnumber, order_number, amount_minor, currency, state_before, status)
           VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8, 'sent') ON CONFLICT DO NOTHING`,
    values: [c.idempotency_key, c.gateway, c.mode, c.billnumber, c.order_number, c.amount_minor.toString(), c.currency, c.state_before],
  });
  if (res.rowCount === 1) return 'mine';
  return (await findAssistCancel(db, c.idempotency_key)) ? 'exists' : 'busy';
}

export async function findAssistCancel(db: Queryable, key: string): Promise<AssistCancelRow | undefined> {
  const res = await db.query<AssistCancelRow>({ text: `SELECT ${COLUMNS} FROM assist_cancel_requests WHERE idempotency_key = $1`, values: [key] });
  return res.rows[0];
}

/** Writes what became of a send; a decided row (succeeded, failed) never changes again. */
export async function settleAssistCancel(
  db: Queryable,
  key: string,
  r: { status: AssistCancelRow['status']; gatewayRefundId?: string | undefined; code?: string | undefined; message?: string | undefined },
): Promise<void> {
  await db.query({
    text: `UPDATE assist_cancel_requests SET status = $2, gateway_refund_id = COALESCE($3, gateway_refund_id), code = $4, message = $5,
                  decided_at = CASE WHEN $2 IN ('succeeded', 'failed') THEN now() END
            WHERE idempotency_key = $1 AND status IN ('sent', 'pending')`,
    values: [key, r.status, r.gatewayRefundId ?? null, r.code ?? null, r.message ?? null],
  });
}

/** The simulator-free view of one bill's sends, oldest first (tests and operators). */
export async function listAssistCancels(db: Queryable, billnumber: string): Promise<AssistCancelRow[]> {
  const res = await db.query<AssistCancelRow>({ text: `SELECT ${COLUMNS} FROM assist_cancel_requests WHERE billnumber = $1 ORDER BY created_at, idempotency_key`, values: [billnumber] });
  return res.rows;
}
