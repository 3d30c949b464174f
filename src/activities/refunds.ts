import { missingRow, MISSING_ROW_TRIES } from './missing-row.js';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { FinalRefundStatus } from '../domain/refund.js';
import { noteLateSuccess } from '../db/late-success.js';
import { inTransaction } from '../db/pool.js';
import { completeRefund, markRefundWorkflowStarted } from '../db/refund-outcomes.js';
import { findRefund, type RefundRow } from '../db/refunds.js';
import type { GatewayOutcome } from '../domain/payment.js';
import { startRefundWorkflow } from '../temporal/start.js';
import { GatewayModeUnavailableError, GatewayTimeoutError, type GatewayIds, type GatewayRegistry, type RefundOutcome, type RefundRequest } from '../gateways/types.js';

export interface RefundActivityDeps {
  pool: pg.Pool;
  gateways: GatewayRegistry;
  /** Starts a late success's refund workflow once its row is committed. */
  temporal: Client;
  taskQueue: string;
}

/** What the refund workflow does next with a refund, by its row. */
export type RefundPlan = 'gateway' | 'manual' | FinalRefundStatus;

/** The gateway's answer to a refund call, or that the answer was lost (resolve by status, same key). */
export type RefundCallAnswer = { kind: 'answer'; outcome: RefundOutcome } | { kind: 'unknown'; detail: string };

/** What a status question learnt: the gateway knows the key (and its outcome so far), or never saw it. */
export type RefundStatusAnswer = { kind: 'seen'; outcome: RefundOutcome } | { kind: 'unseen' };

/** Tries after which a refund row that is still missing is taken to be rolled back (src/activities/missing-row.ts). */
export const MISSING_REFUND_TRIES = MISSING_ROW_TRIES;

export async function refundOf(db: pg.Pool, refundId: string, attempt?: number): Promise<RefundRow> {
  const row = await findRefund(db, refundId);
  if (row) return row;
  throw missingRow(
    {
      notYet: `refund ${refundId} is not committed (yet)`,
      never: `refund ${refundId} does not exist: the request that created it rolled back, so there is nothing to refund`,
      type: 'RefundMissing',
    },
    attempt,
  );
}

/** The gateway's own ids of what is refunded (a hosted session, an intent, a charge). */
async function originalIds(db: pg.Pool, r: RefundRow): Promise<GatewayIds> {
  const res = await db.query<{ session_id: string | null; intent_id: string | null; charge_id: string | null }>(
    r.payment_id !== null
      ? { text: 'SELECT gateway_session_id AS session_id, gateway_intent_id AS intent_id, gateway_charge_id AS charge_id FROM payments WHERE id = $1', values: [r.payment_id] }
      : { text: 'SELECT NULL AS session_id, gateway_intent_id AS intent_id, gateway_charge_id AS charge_id FROM charge_attempts WHERE id = $1::bigint', values: [r.charge_attempt_id?.toString()] },
  );
  const ids = res.rows[0];
  return { sessionId: ids?.session_id ?? undefined, intentId: ids?.intent_id ?? undefined, chargeId: ids?.charge_id ?? undefined };
}

export function createRefundActivities(deps: RefundActivityDeps) {
  const gatewayOf = (r: RefundRow) => {
    const g = deps.gateways.get(r.gateway);
    // Retried (with the same key) until the gateway is configured again: the money is held meanwhile.
    if (!g?.refund || !g.refundStatus) throw new Error(`gateway "${r.gateway}" is not configured with refunds`);
    return { refund: g.refund.bind(g), refundStatus: g.refundStatus.bind(g) };
  };
  return {
    async beginRefund(input: { refundId: string }): Promise<RefundPlan> {
      const r = await refundOf(deps.pool, input.refundId);
      if (r.status === 'pending') return 'gateway';
      if (r.status === 'requires_manual') return 'manual';
      return r.status;
    },
    /** Calls the gateway's refund with the refund's key. A lost answer is `unknown`, never an error to retry blindly. */
    async sendRefund(input: { refundId: string }): Promise<RefundCallAnswer> {
      const r = await refundOf(deps.pool, input.refundId);
      const gateway = gatewayOf(r);
      const req: RefundRequest = {
        idempotencyKey: r.idempotency_key,
        refundId: r.id,
        amountMinor: r.amount_minor,
        currency: r.currency,
        mode: r.mode,
        original: {
          paymentId: r.payment_id ?? undefined,
          chargeAttemptId: r.charge_attempt_id?.toString(),
          transactionId: r.original_transaction_id,
          ids: await originalIds(deps.pool, r),
        },
        reason: r.reason,
      };
      try {
        return { kind: 'answer', outcome: await gateway.refund(req) };
      } catch (err) {
        if (err instanceof GatewayTimeoutError) return { kind: 'unknown', detail: err.message };
        // No credentials for the refund's mode: nothing was sent, and the other mode is never used.
        if (err instanceof GatewayModeUnavailableError) return { kind: 'answer', outcome: { status: 'failed', code: 'mode_unavailable', message: err.message } };
        throw err;
      }
    },
    async askRefundStatus(input: { refundId: string }): Promise<RefundStatusAnswer> {
      const r = await refundOf(deps.pool, input.refundId);
      const outcome = await gatewayOf(r).refundStatus(r.idempotency_key, r.mode);
      return outcome ? { kind: 'seen', outcome } : { kind: 'unseen' };
    },
    async recordRefundOutcome(input: { refundId: string; outcome: RefundOutcome }): Promise<FinalRefundStatus> {
      const { status } = input.outcome;
      if (status === 'pending') throw new Error('a pending refund outcome is not final');
      const row = await inTransaction(deps.pool, (tx) =>
        completeRefund(tx, input.refundId, { status, gatewayRefundId: input.outcome.gatewayRefundId, code: input.outcome.code, message: input.outcome.message }),
      );
      if (row.status !== 'succeeded' && row.status !== 'failed') throw new Error(`refund ${row.id} is ${row.status} after its outcome`);
      return row.status;
    },
    /**
     * A gateway success that arrived after the payment had ended: recorded by its gateway's
     * late_success policy (src/db/late-success.ts); a refund it created is started here at once
     * (the sweep would start it otherwise).
     */
    async noteLateSuccess(input: { paymentId: string; outcome: GatewayOutcome }): Promise<void> {
      const late = await inTransaction(deps.pool, (tx) => noteLateSuccess(tx, input.paymentId, input.outcome));
      if (!late?.refund_id) return;
      const refund = await findRefund(deps.pool, late.refund_id);
      if (!refund || refund.workflow_started_at !== null) return;
      await startRefundWorkflow(deps.temporal, deps.taskQueue, { id: refund.id, customerId: refund.customer_id, amountMinor: refund.amount_minor });
      await markRefundWorkflowStarted(deps.pool, refund.id);
    },
  };
}
