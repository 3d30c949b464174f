import type { FinalPaymentStatus } from '../domain/payment.js';
import { matchedLineFor } from '../db/bank-statements.js';
import { markDelivered, undeliveredTimelySuccess } from '../db/inbound-requests.js';
import { findPayment } from '../db/payments.js';
import { inTransaction } from '../db/pool.js';
import { can } from '../gateways/types.js';
import type { CancelRequest } from '../workflows/payment-messages.js';
import { completeIn, type PaymentActivityDeps } from './payments.js';

/** What became of the gateway's side of a canceled payment. */
export type CheckoutEnding = 'ended' | 'not_supported';

/** The cancel of a pending payment (POST /v1/payments/:id/cancel through its workflow's update). */
export function createPaymentCancelActivities(deps: PaymentActivityDeps) {
  return {
    /**
     * Cancels a pending payment with its `payment.canceled` event, in one transaction. As at the
     * expiry (expirePayment), money that already arrived wins and the cancel loses: a bank-statement
     * line matched to it (the row lock orders this against the import's decision), or a success
     * callback journaled but not yet signalled (marked delivered here, so its signal finds the
     * payment succeeded). Idempotent: a retry finds the payment final and returns its status.
     */
    async cancelPayment(input: { paymentId: string } & CancelRequest): Promise<FinalPaymentStatus> {
      return inTransaction(deps.pool, async (tx) => {
        const payment = await findPayment(tx, input.paymentId, { forUpdate: true });
        const line = await matchedLineFor(tx, { paymentId: input.paymentId });
        if (line) {
          return completeIn(tx, input.paymentId, { status: 'succeeded', code: 'bank_statement', message: `bank statement line ${line.line_no}`, gatewayTransactionId: line.id }, {}, deps.rates);
        }
        const paid = payment?.status === 'pending' ? await undeliveredTimelySuccess(tx, input.paymentId, payment.expires_at) : undefined;
        if (paid) {
          await markDelivered(tx, paid.journalId, 'delivered', 'taken by the payment instead of its cancel: journaled before it, signalled after');
          const { status: _succeeded, ...rest } = paid.outcome;
          return completeIn(tx, input.paymentId, { ...rest, status: 'succeeded' }, {}, deps.rates);
        }
        return completeIn(
          tx,
          input.paymentId,
          { status: 'canceled', code: 'canceled', message: input.reason ?? 'canceled by the merchant' },
          { canceled_by: input.by, reason: input.reason ?? null, request_id: input.requestId ?? null },
        );
      });
    },
    /**
     * Ends the gateway's session of a canceled payment (a hosted checkout expires), for gateways
     * with `cancel_checkout`; the others need nothing (the sandbox's page reads the payment's status).
     */
    async endGatewayCheckout(input: { paymentId: string }): Promise<CheckoutEnding> {
      const payment = await findPayment(deps.pool, input.paymentId);
      const gateway = payment ? deps.gateways.get(payment.gateway) : undefined;
      if (!payment || payment.status !== 'canceled' || !gateway?.cancelCheckout || !can(gateway, 'cancel_checkout')) return 'not_supported';
      await gateway.cancelCheckout({
        id: payment.id,
        mode: payment.mode,
        ids: {
          sessionId: payment.gateway_session_id ?? undefined,
          intentId: payment.gateway_intent_id ?? undefined,
          chargeId: payment.gateway_charge_id ?? undefined,
        },
      });
      return 'ended';
    },
  };
}
