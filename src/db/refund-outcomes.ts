import { StateConflictError } from '../domain/errors.js';
import { toJsonMinor } from '../domain/money.js';
import { type FinalRefundStatus, REFUND_TRANSITIONS } from '../domain/refund.js';
import { appendEvent, type NewEvent } from './events.js';
import type { Queryable } from './pool.js';
import { findRefund, REFUND_COLUMNS, refundEventPayload, type RefundRow } from './refunds.js';

export interface RefundCompletion {
  status: FinalRefundStatus;
  gatewayRefundId?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  /** A person's confirmation of a requires_manual refund: their API key id. */
  confirmedBy?: string | undefined;
}

/**
 * Moves a refund to a final status with its events, in the caller's transaction. A failed refund
 * gives its amount back to the target (refunded_minor) in the same transaction. Idempotent: a
 * refund already final is returned unchanged (a retried activity, a repeated confirm).
 */
export async function completeRefund(db: Queryable, id: string, c: RefundCompletion): Promise<RefundRow> {
  const current = await findRefund(db, id, { forUpdate: true });
  if (!current) throw new Error(`refund ${id} does not exist`);
  const allowed: readonly FinalRefundStatus[] = REFUND_TRANSITIONS[current.status];
  if (allowed.length === 0) return current;
  if (!allowed.includes(c.status)) throw new StateConflictError(`a ${current.status} refund cannot become ${c.status}`);
  // The target's row lock orders two refunds of it finishing at once, so each one's
  // payment.refunded counts the other's success (read committed: the sum below is read after it).
  await lockTargetOf(db, current);
  const res = await db.query<RefundRow>({
    text: `UPDATE refunds SET status = $2, gateway_refund_id = COALESCE($3, gateway_refund_id), gateway_code = $4,
                  gateway_message = $5, confirmed_by = $6, completed_at = now()
            WHERE id = $1 RETURNING ${REFUND_COLUMNS}`,
    values: [id, c.status, c.gatewayRefundId ?? null, c.code ?? null, c.message ?? null, c.confirmedBy ?? null],
  });
  const row = res.rows[0];
  if (!row) throw new Error(`refund ${id} vanished while locked`);
  if (c.status === 'failed') await releaseHeld(db, row);
  // The row's status is c.status (the update set it), so the event's type and payload agree.
  await appendEvent(db, { type: `refund.${c.status}`, aggregateType: 'refund', aggregateId: row.id, payload: refundEventPayload(row) } as NewEvent<`refund.${FinalRefundStatus}`>);
  // A late success's refund gives back money of a payment that never succeeded: the billing
  // system learnt of it by payment.late_success, and nothing it counted as paid was refunded.
  if (c.status === 'succeeded' && row.late_success_id === null) await appendRefundedEvent(db, row);
  return row;
}

/**
 * A refund recorded succeeded that its gateway now reports failed — Stripe documents it
 * (https://docs.stripe.com/refunds#failed-refunds: a refund can fail after it succeeded, when the
 * card's account is closed); its workflow has ended, so the callback relay calls this. In one
 * transaction: the refund becomes failed, its amount is given back to the target (refundable
 * again), and `refund.failed` (reversed: true) and `payment.refunded` / `charge_attempt.refunded`
 * with the lower refunded_amount tell the billing system the money did not go back. Returns
 * undefined, changing nothing, when the refund is not succeeded (already failed: a repeat).
 */
export async function reverseSucceededRefund(db: Queryable, id: string, c: Omit<RefundCompletion, 'status' | 'confirmedBy'>): Promise<RefundRow | undefined> {
  const current = await findRefund(db, id, { forUpdate: true });
  if (current?.status !== 'succeeded') return undefined;
  await lockTargetOf(db, current);
  const res = await db.query<RefundRow>({
    text: `UPDATE refunds SET status = 'failed', gateway_code = $2, gateway_message = $3, completed_at = now()
            WHERE id = $1 RETURNING ${REFUND_COLUMNS}`,
    values: [id, c.code ?? 'failed_after_success', c.message ?? 'the gateway reported the refund failed after it had succeeded'],
  });
  const row = res.rows[0];
  if (!row) throw new Error(`refund ${id} vanished while locked`);
  await releaseHeld(db, row);
  await appendEvent(db, { type: 'refund.failed', aggregateType: 'refund', aggregateId: row.id, payload: { ...refundEventPayload(row), status: 'failed', reversed: true } });
  if (row.late_success_id === null) await appendRefundedEvent(db, row);
  return row;
}

/** The refunded payment's or charge attempt's table and id, as SQL takes them. */
function targetOf(r: RefundRow): { table: 'payments' | 'charge_attempts'; id: string | undefined; cast: 'text' | 'bigint' } {
  return r.payment_id !== null ? { table: 'payments', id: r.payment_id, cast: 'text' } : { table: 'charge_attempts', id: r.charge_attempt_id?.toString(), cast: 'bigint' };
}

/** Locks the refunded payment's or charge attempt's row for the rest of the transaction. */
async function lockTargetOf(db: Queryable, r: RefundRow): Promise<void> {
  const t = targetOf(r);
  await db.query({ text: `SELECT 1 FROM ${t.table} WHERE id = $1::${t.cast} FOR UPDATE`, values: [t.id] });
}

/** Gives a refund's amount back to what its target may still refund (refunded_minor). */
async function releaseHeld(db: Queryable, r: RefundRow): Promise<void> {
  const t = targetOf(r);
  await db.query({ text: `UPDATE ${t.table} SET refunded_minor = refunded_minor - $2::bigint WHERE id = $1::${t.cast}`, values: [t.id, r.amount_minor.toString()] });
}

/** `payment.refunded` / `charge_attempt.refunded`: how much of the target is refunded now, and whether all of it. */
async function appendRefundedEvent(db: Queryable, row: RefundRow): Promise<void> {
  const isPayment = row.payment_id !== null;
  const res = await db.query<{ amount_minor: bigint; refunded: bigint; subscription_id: string | null }>({
    text: isPayment
      ? `SELECT p.amount_minor, NULL AS subscription_id,
                (SELECT COALESCE(sum(amount_minor), 0)::bigint FROM refunds WHERE payment_id = p.id AND status = 'succeeded') AS refunded
           FROM payments p WHERE p.id = $1`
      : `SELECT a.amount_minor, a.subscription_id,
                (SELECT COALESCE(sum(amount_minor), 0)::bigint FROM refunds WHERE charge_attempt_id = a.id AND status = 'succeeded') AS refunded
           FROM charge_attempts a WHERE a.id = $1::bigint`,
    values: [isPayment ? row.payment_id : row.charge_attempt_id?.toString()],
  });
  const t = res.rows[0];
  if (!t) throw new Error(`the target of refund ${row.id} does not exist`);
  const base = {
    refund_id: row.id,
    customer_id: row.customer_id,
    amount: toJsonMinor(t.amount_minor),
    refund_amount: toJsonMinor(row.amount_minor),
    refunded_amount: toJsonMinor(t.refunded),
    currency: row.currency,
    full: t.refunded === t.amount_minor,
  };
  if (isPayment && row.payment_id) {
    await appendEvent(db, { type: 'payment.refunded', aggregateType: 'payment', aggregateId: row.payment_id, payload: { payment_id: row.payment_id, ...base } });
  } else {
    const attemptId = row.charge_attempt_id?.toString() ?? '';
    await appendEvent(db, {
      type: 'charge_attempt.refunded',
      aggregateType: 'charge_attempt',
      aggregateId: attemptId,
      payload: { charge_attempt_id: attemptId, subscription_id: t.subscription_id, ...base },
    });
  }
}

/** Marks refund:<id> started (the sweep's and the late-success path's record that it need not start it again). */
export async function markRefundWorkflowStarted(db: Queryable, id: string): Promise<void> {
  await db.query({ text: 'UPDATE refunds SET workflow_started_at = now() WHERE id = $1 AND workflow_started_at IS NULL', values: [id] });
}

/** Refunds whose workflow was never started, oldest first (created more than `olderThanMs` ago). */
export async function listUnstartedRefunds(db: Queryable, olderThanMs: number, limit: number): Promise<Array<{ id: string; customer_id: string; amount_minor: bigint }>> {
  const res = await db.query<{ id: string; customer_id: string; amount_minor: bigint }>({
    text: `SELECT id, customer_id, amount_minor FROM refunds
            WHERE workflow_started_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
            ORDER BY created_at LIMIT $2`,
    values: [olderThanMs, limit],
  });
  return res.rows;
}
