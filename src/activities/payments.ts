import type pg from 'pg';
import type { FinalPaymentStatus, GatewayOutcome } from '../domain/payment.js';
import { PAYMENT_EVENT_FOR_STATUS, PAYMENT_STATUS_FOR_OUTCOME, paidMismatch } from '../domain/payment.js';
import { appendEvent, type NewEvent } from '../db/events.js';
import { completePendingPayment, findPayment } from '../db/payments.js';
import { markLinkPaid } from '../db/payment-links.js';
import { matchedLineFor } from '../db/bank-statements.js';
import { markDelivered, undeliveredTimelySuccess } from '../db/inbound-requests.js';
import { paymentEventPayload } from '../db/late-success.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import type { GatewayRegistry } from '../gateways/types.js';
import { missingRow } from './missing-row.js';
import { DEFAULT_RATE_SETTINGS, type RateSettings, recordConversion } from './payment-conversion.js';

export interface PaymentActivityDeps {
  pool: pg.Pool;
  gateways: GatewayRegistry;
  /** How a success is converted into the customer's billing currency; the config's defaults when left out. */
  rates?: RateSettings | undefined;
}

/**
 * Moves a pending payment to a final status and appends its event in the same transaction.
 * Idempotent: a retry after a lost reply finds the payment already final and returns that status.
 */
async function complete(
  deps: PaymentActivityDeps,
  paymentId: string,
  completion: { status: FinalPaymentStatus } & Omit<GatewayOutcome, 'status'>,
): Promise<FinalPaymentStatus> {
  return inTransaction(deps.pool, (tx) => completeIn(tx, paymentId, completion, {}, deps.rates));
}

/** What payment.canceled carries beyond the payment's own fields: who canceled it, and why. */
export interface CancelDetail { canceled_by: string; reason: string | null; request_id: string | null }

/**
 * `detail`: what the event carries beyond the payment's own fields (a cancel's CancelDetail).
 * A success is converted into the customer's billing currency in the same transaction, and the
 * conversion (or that it is missing) goes into payment.succeeded.
 */
export async function completeIn(
  tx: Queryable,
  paymentId: string,
  completion: { status: FinalPaymentStatus } & Omit<GatewayOutcome, 'status'>,
  detail: CancelDetail | Record<never, never> = {},
  rates: RateSettings = DEFAULT_RATE_SETTINGS,
): Promise<FinalPaymentStatus> {
  {
    if (completion.status === 'succeeded' && (completion.paidMinor !== undefined || completion.paidCurrency !== undefined)) {
      const payment = await findPayment(tx, paymentId);
      const mismatch = payment ? paidMismatch(completion, payment) : undefined;
      if (mismatch) completion = { status: 'failed', gatewayTransactionId: completion.gatewayTransactionId, ids: completion.ids, code: 'amount_mismatch', message: mismatch.slice(0, 500) };
    }
    const updated = await completePendingPayment(tx, paymentId, completion);
    if (updated) {
      if (updated.status === 'succeeded' && updated.payment_link_id) await markLinkPaid(tx, updated.payment_link_id, updated.id);
      const conversion = updated.status === 'succeeded' ? await recordConversion(tx, updated, rates) : undefined;
      // The row's status is the completion's (the update set it), so the event's type and payload agree.
      await appendEvent(tx, {
        type: PAYMENT_EVENT_FOR_STATUS[completion.status],
        aggregateType: 'payment',
        aggregateId: paymentId,
        payload: { ...paymentEventPayload(updated), ...detail, ...(conversion ? { conversion } : {}) },
      } as NewEvent<(typeof PAYMENT_EVENT_FOR_STATUS)[FinalPaymentStatus]>);
      return completion.status;
    }
    const current = await findPayment(tx, paymentId);
    if (!current) {
      throw missingRow({
        notYet: `payment ${paymentId} is not committed (yet)`,
        never: `payment ${paymentId} does not exist: the transaction that started its workflow rolled back, so there is nothing to complete`,
        type: 'PaymentMissing',
      });
    }
    if (current.status === 'pending') throw new Error(`payment ${paymentId} is still pending after update`);
    return current.status;
  }
}

export function createPaymentActivities(deps: PaymentActivityDeps) {
  return {
    async recordPaymentOutcome(input: { paymentId: string; outcome: GatewayOutcome }): Promise<FinalPaymentStatus> {
      const { status, ...rest } = input.outcome;
      return complete(deps, input.paymentId, { ...rest, status: PAYMENT_STATUS_FOR_OUTCOME[status] });
    },
    /**
     * Asks the payment's gateway, in the mode the payment started in, what became of it. Undefined
     * while nothing final is known, or when the gateway is gone from the configuration.
     */
    async queryPaymentStatus(input: { paymentId: string }): Promise<GatewayOutcome | undefined> {
      const payment = await findPayment(deps.pool, input.paymentId);
      if (!payment || payment.status !== 'pending') return undefined;
      const gateway = deps.gateways.get(payment.gateway);
      if (!gateway?.paymentStatus) return undefined;
      return gateway.paymentStatus({ id: payment.id, mode: payment.mode });
    },
    /**
     * Expires a pending payment at its deadline — unless its money arrived in time and only the
     * signal is still on the way: a bank-statement line matched to it (the row lock orders this
     * against the import's decision, which locks the payment to match it), or a success callback
     * journaled before the deadline and not yet delivered (the dispatcher's queue, or the relay's
     * while Temporal was away). Either way the payment succeeds with it; the callback's row is
     * marked delivered here, so its signal, when it comes, finds the payment already succeeded.
     */
    async expirePayment(input: { paymentId: string }): Promise<FinalPaymentStatus> {
      // One transaction: the lock holds from the look for a matched line until the payment is written.
      return inTransaction(deps.pool, async (tx) => {
        const payment = await findPayment(tx, input.paymentId, { forUpdate: true });
        const line = await matchedLineFor(tx, { paymentId: input.paymentId });
        if (line) {
          return completeIn(tx, input.paymentId, { status: 'succeeded', code: 'bank_statement', message: `bank statement line ${line.line_no}`, gatewayTransactionId: line.id }, {}, deps.rates);
        }
        const timely = payment?.status === 'pending' ? await undeliveredTimelySuccess(tx, input.paymentId, payment.expires_at) : undefined;
        if (timely) {
          await markDelivered(tx, timely.journalId, 'delivered', 'taken by the payment at its deadline: journaled before it, signalled after');
          const { status: _succeeded, ...rest } = timely.outcome;
          return completeIn(tx, input.paymentId, { ...rest, status: 'succeeded' }, {}, deps.rates);
        }
        return completeIn(tx, input.paymentId, { status: 'expired', code: 'expired', message: 'no gateway outcome before the deadline' });
      });
    },
  };
}
