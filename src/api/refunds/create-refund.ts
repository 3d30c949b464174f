import type pg from 'pg';
import { NotFoundError, StateConflictError } from '../../domain/errors.js';
import { toJsonMinor } from '../../domain/money.js';
import { findPayment } from '../../db/payments.js';
import { lineMatchedToPayment, type PayingLine, temporaryOfPayment } from '../../db/manual-refunds.js';
import { createRefund, lockRefundTarget, type RefundRow, type RefundTarget, type TargetRef } from '../../db/refunds.js';
import { can } from '../../gateways/types.js';
import { startFailure } from '../../temporal/errors.js';
import { startRefundWorkflow } from '../../temporal/start.js';
import type { AppDeps } from '../env.js';
import type { ManualInstructions } from './refunds.routes.js';

export interface RefundRequestInput {
  target: TargetRef;
  amountMinor?: bigint | undefined;
  reason: string;
  requestedBy: string;
}

/**
 * Creates a refund and starts its workflow `refund:<id>` inside the caller's transaction (the
 * idempotent request's): the target's row is locked first, so racing refunds of the same money
 * are ordered and the second sees what the first holds; if Temporal refuses the start, nothing is
 * left behind (503). Money a person pays back (bank transfers) is `requires_manual`.
 */
export async function createRefundOf(deps: Pick<AppDeps, 'gateways' | 'temporal' | 'config'>, tx: pg.PoolClient, req: RefundRequestInput): Promise<RefundRow> {
  const target = await lockRefundTarget(tx, req.target);
  const what = target?.kind === 'charge_attempt' ? 'charge attempt' : 'payment';
  if (!target) throw new NotFoundError(`no such ${'paymentId' in req.target ? 'payment' : 'charge attempt'}`);
  if (target.status !== 'succeeded') throw new StateConflictError(`the ${what} is ${target.status}; only a succeeded ${what} can be refunded`);
  // One sum of money, one counter of what was refunded: a period paid through its link is refunded
  // through that payment, or it could be refunded once as each.
  if (target.paidByPaymentId) {
    throw new StateConflictError(`this period was paid by payment ${target.paidByPaymentId} through its payment link; refund that payment`, { payment_id: target.paidByPaymentId });
  }
  const gateway = deps.gateways.get(target.gateway);
  if (!gateway) throw new StateConflictError(`gateway "${target.gateway}" is no longer configured, so nothing can be refunded through it`);
  const amountMinor = req.amountMinor ?? target.amountMinor - target.refundedMinor;
  const manual = target.kind === 'payment' ? await manualPlan(tx, target, amountMinor) : undefined;
  if (!manual && !can(gateway, 'refunds')) throw new StateConflictError(`gateway "${gateway.name}" does not support refunds`);
  const row = await createRefund(tx, target, {
    amountMinor,
    reason: req.reason,
    requestedBy: req.requestedBy,
    // A person can pay back any part; a gateway only what it declares.
    allowPartial: manual !== undefined || can(gateway, 'partial_refunds'),
    manualInstructions: manual,
    workflowStarted: true,
  });
  await startWorkflow(deps, row);
  return row;
}

async function startWorkflow(deps: Pick<AppDeps, 'temporal' | 'config'>, row: RefundRow): Promise<void> {
  try {
    await startRefundWorkflow(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, { id: row.id, customerId: row.customer_id, amountMinor: row.amount_minor });
  } catch (err) {
    throw startFailure(err);
  }
}

/**
 * Whether a person must pay this payment back, and what to: a bank transfer, or a deferred
 * payment whose money came by bank transfer (its temporary payment settled from a statement or by
 * hand). A deferred payment still waiting for its transfer has nothing to refund yet (409).
 */
async function manualPlan(tx: pg.PoolClient, target: RefundTarget, amountMinor: bigint): Promise<ManualInstructions | undefined> {
  const payment = await findPayment(tx, target.id);
  if (!payment) return undefined;
  if (payment.adapter === 'bank_transfer') return instructions(payment.reference, target, amountMinor, await lineMatchedToPayment(tx, payment.id));
  if (payment.settlement !== 'deferred') return undefined;
  const t = await temporaryOfPayment(tx, payment.id);
  if (!t || t.temporary.status === 'open') {
    throw new StateConflictError('the payment\'s bank transfer has not arrived yet (its temporary payment is open): refund it once the statement settles it');
  }
  if (t.temporary.settled_reason === 'expired') {
    throw new StateConflictError('the payment\'s bank transfer never arrived (its temporary payment expired unsettled): there is nothing to refund');
  }
  return instructions(payment.reference, target, amountMinor, t.line);
}

function instructions(reference: string, target: RefundTarget, amountMinor: bigint, line: PayingLine | undefined): ManualInstructions {
  return {
    amount: toJsonMinor(amountMinor),
    currency: target.currency,
    to: line ? { name: line.counterparty, account: line.counterparty_account } : null,
    reference,
    bank_line_id: line?.id ?? null,
    note: !line
      ? 'no bank-statement line is matched to this payment: find the payer from the bank statement or the customer'
      : line.counterparty_account === null
        ? 'the statement line gives no payer account: find it on the bank statement itself'
        : null,
  };
}
