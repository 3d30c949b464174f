import { StateConflictError } from '../domain/errors.js';
import { toJsonMinor } from '../domain/money.js';
import { refundAmountConflict, type RefundStatus } from '../domain/refund.js';
import type { RefundFields } from '../events/schemas/refund.js';
import { appendEvent } from './events.js';
import { newId } from './ids.js';
import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';

/** A row of `refunds`. amount_minor is exact (bigint). */
export interface RefundRow {
  id: string;
  payment_id: string | null;
  charge_attempt_id: bigint | null;
  customer_id: string;
  gateway: string;
  mode: 'test' | 'live';
  amount_minor: bigint;
  currency: string;
  reason: string;
  status: RefundStatus;
  /** `refund:<id>`, sent to the gateway: it refunds at most once per key. */
  idempotency_key: string;
  gateway_refund_id: string | null;
  gateway_code: string | null;
  gateway_message: string | null;
  /** requires_manual: what a person pays back and to whom (ManualInstructions). */
  manual_instructions: Record<string, unknown> | null;
  /** An API key id, or 'system' (a late success refunded by policy). */
  requested_by: string;
  confirmed_by: string | null;
  created_at: Date;
  completed_at: Date | null;
  /** The gateway transaction the money goes back from. */
  original_transaction_id: string | null;
  workflow_started_at: Date | null;
  /** Set when this refunds a late success (the payment itself never succeeded). */
  late_success_id: string | null;
}

export const REFUND_COLUMNS = `id, payment_id, charge_attempt_id, customer_id, gateway, mode, amount_minor, currency, reason, status,
  idempotency_key, gateway_refund_id, gateway_code, gateway_message, manual_instructions, requested_by, confirmed_by,
  created_at, completed_at, original_transaction_id, workflow_started_at, late_success_id`;

/** What a refund refunds: a payment or a subscription's charge attempt, read under its row lock. */
export interface RefundTarget {
  kind: 'payment' | 'charge_attempt';
  id: string;
  customerId: string;
  gateway: string;
  mode: 'test' | 'live';
  amountMinor: bigint;
  refundedMinor: bigint;
  currency: string;
  status: string;
  transactionId: string | null;
  /** A charge attempt recorded for a period its payment link paid (SCA): the money is that payment's. */
  paidByPaymentId: string | null;
}

interface TargetRow {
  id: string;
  customer_id: string;
  gateway: string;
  mode: 'test' | 'live';
  amount_minor: bigint;
  refunded_minor: bigint;
  currency: string;
  status: string;
  gateway_transaction_id: string | null;
  paid_by_payment_id: string | null;
}

const targetOf = (kind: RefundTarget['kind'], r: TargetRow): RefundTarget => ({
  kind,
  id: r.id,
  customerId: r.customer_id,
  gateway: r.gateway,
  mode: r.mode,
  amountMinor: r.amount_minor,
  refundedMinor: r.refunded_minor,
  currency: r.currency,
  status: r.status,
  transactionId: r.gateway_transaction_id,
  paidByPaymentId: r.paid_by_payment_id,
});

export type TargetRef = { paymentId: string } | { subscriptionId: string; chargeAttemptId: string };

/**
 * Reads the target and locks its row until the transaction ends: two refunds of the same money
 * are ordered here, the second sees what the first holds.
 */
export async function lockRefundTarget(db: Queryable, ref: TargetRef): Promise<RefundTarget | undefined> {
  if ('paymentId' in ref) {
    const res = await db.query<TargetRow>({
      text: `SELECT id, customer_id, gateway, mode, amount_minor, refunded_minor, currency, status, gateway_transaction_id,
                    NULL AS paid_by_payment_id
               FROM payments WHERE id = $1 FOR UPDATE`,
      values: [ref.paymentId],
    });
    return res.rows[0] && targetOf('payment', res.rows[0]);
  }
  // Attempt ids are bigserials; anything else names no attempt (and must not reach the cast).
  if (!/^\d{1,18}$/.test(ref.chargeAttemptId)) return undefined;
  const res = await db.query<TargetRow>({
    text: `SELECT a.id::text AS id, s.customer_id, s.gateway, a.mode, a.amount_minor, a.refunded_minor, a.currency, a.status,
                  a.gateway_transaction_id, a.payment_id AS paid_by_payment_id
             FROM charge_attempts a JOIN subscriptions s ON s.id = a.subscription_id
            WHERE a.id = $1::bigint AND a.subscription_id = $2 FOR UPDATE OF a`,
    values: [ref.chargeAttemptId, ref.subscriptionId],
  });
  return res.rows[0] && targetOf('charge_attempt', res.rows[0]);
}

/**
 * The target's dispute that holds its money, if one does: an open dispute is the gateway's to
 * decide, and a lost one gave the money back already — a refund beside either pays the payer
 * twice. A won dispute holds nothing. Read under the target's row lock, which the recording of a
 * dispute takes too (findDisputedMoney), so a refund and a dispute of the same money are ordered.
 */
export async function disputeHoldingMoney(db: Queryable, target: Pick<RefundTarget, 'kind' | 'id'>): Promise<{ id: string; status: 'open' | 'lost' } | undefined> {
  const res = await db.query<{ id: string; status: 'open' | 'lost' }>({
    text: `SELECT id, status FROM disputes
            WHERE ${target.kind === 'payment' ? 'payment_id = $1::text' : 'charge_attempt_id = $1::bigint'} AND status IN ('open', 'lost')
            ORDER BY created_at, id LIMIT 1`,
    values: [target.id],
  });
  return res.rows[0];
}

export interface NewRefund {
  /** undefined: everything not yet held by another refund. */
  amountMinor?: bigint | undefined;
  reason: string;
  requestedBy: string;
  /** The gateway refunds only whole captures (no `partial_refunds`). */
  allowPartial: boolean;
  /** Set: a person pays it back (requires_manual); the gateway is never called. */
  manualInstructions?: Record<string, unknown> | undefined;
  /** The API starts refund:<id> inside this transaction, so the row records it as started. */
  workflowStarted: boolean;
  lateSuccessId?: string | undefined;
  /** The transaction refunded when it is not the target's own (a late success's). */
  originalTransactionId?: string | null | undefined;
}

/**
 * Creates a refund of a locked target (lockRefundTarget in the same transaction): refuses one
 * whose money a dispute holds (disputeHoldingMoney), checks what is left, holds the amount on the target (refunded_minor) and appends `refund.created`. The
 * UPDATE's own guard repeats the check, so even a caller that forgot the lock cannot over-refund.
 */
export async function createRefund(db: Queryable, target: RefundTarget, r: NewRefund): Promise<RefundRow> {
  const dispute = await disputeHoldingMoney(db, target);
  if (dispute) {
    const what = target.kind === 'payment' ? 'payment' : 'charge attempt';
    throw new StateConflictError(
      `${what} ${target.id} has ${dispute.status === 'open' ? 'an open' : 'a lost'} dispute ${dispute.id}; ${dispute.status === 'open'
        ? 'its money is the gateway\'s to decide until the dispute closes: refund it, if at all, once the dispute is won'
        : 'the payer got the money back through it, so there is nothing left to refund'}`,
      { dispute_id: dispute.id, dispute_status: dispute.status },
    );
  }
  const left = target.amountMinor - target.refundedMinor;
  const amount = r.amountMinor ?? left;
  const conflict = refundAmountConflict({ amountMinor: amount }, target);
  if (conflict) throw new StateConflictError(conflict, { left_minor: left.toString() });
  if (!r.allowPartial && (amount !== target.amountMinor || target.refundedMinor !== 0n)) {
    throw new StateConflictError(`gateway "${target.gateway}" refunds only the whole amount (${target.amountMinor} minor units): it lacks partial_refunds`);
  }
  const table = target.kind === 'payment' ? 'payments' : 'charge_attempts';
  const held = await db.query({
    text: `UPDATE ${table} SET refunded_minor = refunded_minor + $2::bigint
            WHERE id = $1::${target.kind === 'payment' ? 'text' : 'bigint'} AND refunded_minor + $2::bigint <= amount_minor`,
    values: [target.id, amount.toString()],
  });
  if (held.rowCount !== 1) throw new StateConflictError('the amount exceeds what is left to refund');
  const id = newId('ref');
  const res = await db.query<RefundRow>({
    text: `INSERT INTO refunds (id, payment_id, charge_attempt_id, customer_id, gateway, mode, amount_minor, currency, reason, status,
                                idempotency_key, manual_instructions, requested_by, original_transaction_id, workflow_started_at, late_success_id)
           VALUES ($1, $2, $3::bigint, $4, $5, $6, $7::bigint, $8, $9, $10, $11, $12::jsonb, $13, $14,
                   CASE WHEN $15::boolean THEN now() END, $16)
        RETURNING ${REFUND_COLUMNS}`,
    values: [
      id, target.kind === 'payment' ? target.id : null, target.kind === 'charge_attempt' ? target.id : null, target.customerId,
      target.gateway, target.mode, amount.toString(), target.currency, r.reason, r.manualInstructions ? 'requires_manual' : 'pending',
      refundKey(id), r.manualInstructions ? JSON.stringify(r.manualInstructions) : null, r.requestedBy,
      r.originalTransactionId === undefined ? target.transactionId : r.originalTransactionId, r.workflowStarted, r.lateSuccessId ?? null,
    ],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO refunds returned no row');
  await appendEvent(db, { type: 'refund.created', aggregateType: 'refund', aggregateId: id, payload: refundEventPayload(row) });
  return row;
}

/** The idempotency key a refund is sent to its gateway with (RefundRequest.idempotencyKey). */
export const refundKey = (refundId: string): string => `refund:${refundId}`;

/** What every refund event carries. */
export function refundEventPayload(r: RefundRow): RefundFields {
  return {
    refund_id: r.id,
    payment_id: r.payment_id,
    charge_attempt_id: r.charge_attempt_id?.toString() ?? null,
    customer_id: r.customer_id,
    status: r.status,
    amount: toJsonMinor(r.amount_minor),
    currency: r.currency,
    gateway: r.gateway,
    mode: r.mode,
    reason: r.reason,
    requested_by: r.requested_by,
    gateway_refund_id: r.gateway_refund_id,
    gateway_code: r.gateway_code,
    late_success_id: r.late_success_id,
  };
}

export async function findRefund(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<RefundRow | undefined> {
  if (id.includes('\u0000')) return undefined;
  const res = await db.query<RefundRow>({ text: `SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, values: [id] });
  return res.rows[0];
}

export interface RefundFilter {
  paymentId?: string | undefined;
  chargeAttemptId?: string | undefined;
  customerId?: string | undefined;
  gateway?: string | undefined;
  status?: RefundStatus | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  before?: Keyset | undefined;
  limit: number;
}

/** Newest first, keyset-paged by (created_at, id), like listPayments. */
export async function listRefunds(db: Queryable, f: RefundFilter): Promise<Array<RefundRow & { cursor_at: string }>> {
  const attempt = f.chargeAttemptId !== undefined && /^\d{1,18}$/.test(f.chargeAttemptId) ? f.chargeAttemptId : f.chargeAttemptId === undefined ? null : '-1';
  const res = await db.query<RefundRow & { cursor_at: string }>({
    text: `SELECT ${REFUND_COLUMNS}, ${CURSOR_AT} FROM refunds
            WHERE ($1::text IS NULL OR payment_id = $1::text)
              AND ($2::bigint IS NULL OR charge_attempt_id = $2::bigint)
              AND ($3::text IS NULL OR customer_id = $3::text)
              AND ($4::text IS NULL OR gateway = $4::text)
              AND ($5::text IS NULL OR status = $5::text)
              AND ($6::timestamptz IS NULL OR created_at >= $6::timestamptz)
              AND ($7::timestamptz IS NULL OR created_at < $7::timestamptz)
              AND ${beforeKeyset(8)}
            ORDER BY created_at DESC, id DESC LIMIT $10`,
    values: [
      f.paymentId ?? null, attempt, f.customerId ?? null, f.gateway ?? null, f.status ?? null, f.createdFrom ?? null, f.createdTo ?? null,
      ...keysetValues(f.before), f.limit,
    ],
  });
  return res.rows;
}
