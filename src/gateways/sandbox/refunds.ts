import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import { GatewayTimeoutError, type RefundOutcome, type RefundRequest } from '../types.js';

/**
 * The sandbox's refunds, booked in sandbox_refunds once per idempotency key against the original
 * transaction (a hosted checkout's or a recurring charge's). Test amounts, by the last two digits
 * of the refund's minor units:
 *   …13  the bank declines the refund (code refund_declined)
 *   …14  the bank books the refund but the answer is lost (a timeout): refundStatus finds it
 *   …15  the refund is accepted as pending; refundStatus then reports it succeeded
 *   …16  the refund is booked, but the processor reports it pending, by its answer and by every
 *        status question: only a callback (or a person) can tell Tollgate it is done
 * Anything else succeeds. A refund of a transaction the sandbox never booked, or of more than is
 * left of it, is declined as a real processor would (unknown_transaction, exceeds_captured).
 */
export type RefundBehaviour = 'succeed' | 'decline' | 'timeout' | 'pending' | 'pending_until_callback';

export function refundBehaviour(amountMinor: bigint): RefundBehaviour {
  const lastTwo = amountMinor % 100n;
  if (lastTwo === 13n) return 'decline';
  if (lastTwo === 14n) return 'timeout';
  if (lastTwo === 15n) return 'pending';
  if (lastTwo === 16n) return 'pending_until_callback';
  return 'succeed';
}

/** A row of the sandbox's refund books. */
export interface SandboxRefundRow {
  idempotency_key: string;
  transaction_id: string;
  amount_minor: bigint;
  currency: string;
  outcome: 'succeeded' | 'failed';
  code: string;
  message: string;
  refund_id: string;
  mode: 'test' | 'live';
  created_at: Date;
}

const COLUMNS = 'idempotency_key, transaction_id, amount_minor, currency, outcome, code, message, refund_id, mode, created_at';

const AWAITING_CALLBACK = 'awaiting_callback';

/** What the processor says of a booking: a …16 refund stays pending whatever the books hold. */
const outcomeOf = (r: SandboxRefundRow): RefundOutcome =>
  r.code === AWAITING_CALLBACK
    ? { status: 'pending', gatewayRefundId: r.refund_id, code: r.code, message: r.message }
    : { status: r.outcome, gatewayRefundId: r.refund_id, code: r.code, message: r.message };

/** What the sandbox captured in a transaction: a hosted checkout's payment or an approved charge. */
async function capturedOf(db: Queryable, transactionId: string): Promise<{ amount_minor: bigint; currency: string } | undefined> {
  const res = await db.query<{ amount_minor: bigint; currency: string }>({
    text: `SELECT p.amount_minor, p.currency FROM sandbox_checkouts c JOIN payments p ON p.id = c.payment_id
            WHERE c.transaction_id = $1 AND c.outcome = 'succeeded'
           UNION ALL
           SELECT amount_minor, currency FROM sandbox_ledger WHERE transaction_id = $1 AND outcome = 'approved'
           LIMIT 1`,
    values: [transactionId],
  });
  return res.rows[0];
}

/**
 * Refunds once per key: a repeat is answered from the books as first booked (no second timeout).
 * The over-refund check is the pretend bank's own; Tollgate's row lock on the payment is what
 * orders racing refunds (src/db/refunds.ts).
 */
export async function sandboxRefund(db: Queryable, req: RefundRequest): Promise<RefundOutcome> {
  const earlier = await findSandboxRefund(db, req.idempotencyKey);
  if (earlier) return outcomeOf(earlier);
  const txn = req.original.transactionId;
  if (txn === null) return { status: 'failed', code: 'unknown_transaction', message: 'no transaction to refund' };
  const captured = await capturedOf(db, txn);
  const behaviour = refundBehaviour(req.amountMinor);
  let verdict: { outcome: 'succeeded' | 'failed'; code: string; message: string } = { outcome: 'succeeded', code: 'refunded', message: 'Refunded' };
  if (!captured || captured.currency !== req.currency) verdict = { outcome: 'failed', code: 'unknown_transaction', message: `the sandbox booked no ${req.currency} transaction ${txn}` };
  else if (behaviour === 'decline') verdict = { outcome: 'failed', code: 'refund_declined', message: 'The bank declined the refund (sandbox test amount …13)' };
  else if (behaviour === 'pending_until_callback') verdict = { outcome: 'succeeded', code: AWAITING_CALLBACK, message: 'Booked; the processor reports it pending (sandbox test amount …16)' };
  const refundId = `sbx_ref_${randomUUID()}`;
  // One statement: the booking happens only while the transaction's earlier successful refunds
  // leave room for this one.
  const inserted = await db.query<SandboxRefundRow>({
    text: `INSERT INTO sandbox_refunds (idempotency_key, transaction_id, amount_minor, currency, outcome, code, message, refund_id, mode)
           SELECT $1, $2, $3::bigint, $4,
                  CASE WHEN $5 = 'succeeded' AND s.refunded + $3::bigint > $10::bigint THEN 'failed' ELSE $5 END,
                  CASE WHEN $5 = 'succeeded' AND s.refunded + $3::bigint > $10::bigint THEN 'exceeds_captured' ELSE $6 END,
                  CASE WHEN $5 = 'succeeded' AND s.refunded + $3::bigint > $10::bigint THEN 'More than is left of the transaction' ELSE $7 END,
                  $8, $9
             FROM (SELECT COALESCE(sum(amount_minor), 0)::bigint AS refunded FROM sandbox_refunds
                    WHERE transaction_id = $2 AND outcome = 'succeeded') s
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
    values: [req.idempotencyKey, txn, req.amountMinor.toString(), req.currency, verdict.outcome, verdict.code, verdict.message, refundId, req.mode,
      (captured?.amount_minor ?? 0n).toString()],
  });
  const booked = inserted.rows[0] ?? (await findSandboxRefund(db, req.idempotencyKey));
  if (!booked) throw new Error(`sandbox lost refund booking ${req.idempotencyKey}`);
  // A repeat that raced the first booking answers the first booking, as it stands.
  if (booked.refund_id !== refundId) return outcomeOf(booked);
  if (booked.outcome === 'succeeded' && behaviour === 'timeout') throw new GatewayTimeoutError('sandbox: the refund was booked but the answer never arrived');
  if (booked.outcome === 'succeeded' && behaviour === 'pending') return { status: 'pending', gatewayRefundId: booked.refund_id, code: 'pending', message: 'The refund is on its way' };
  return outcomeOf(booked);
}

export async function findSandboxRefund(db: Queryable, key: string): Promise<SandboxRefundRow | undefined> {
  const res = await db.query<SandboxRefundRow>({ text: `SELECT ${COLUMNS} FROM sandbox_refunds WHERE idempotency_key = $1`, values: [key] });
  return res.rows[0];
}

/** What became of a refund key, from the books (a pending answer has long settled there). */
export async function sandboxRefundStatus(db: Queryable, key: string): Promise<RefundOutcome | undefined> {
  const row = await findSandboxRefund(db, key);
  return row ? outcomeOf(row) : undefined;
}

export async function listSandboxRefunds(db: Queryable, filter: { transactionId?: string | undefined; limit: number }): Promise<SandboxRefundRow[]> {
  const res = await db.query<SandboxRefundRow>({
    text: `SELECT ${COLUMNS} FROM sandbox_refunds WHERE ($1::text IS NULL OR transaction_id = $1::text)
            ORDER BY created_at, idempotency_key LIMIT $2`,
    values: [filter.transactionId ?? null, filter.limit],
  });
  return res.rows;
}
