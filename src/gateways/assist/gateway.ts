import type { GatewaySettings } from '../settings.js';
import type { RecurringGateway } from '../types.js';
import { paidOf } from './amounts.js';
import { startAssistCheckout } from './checkout.js';
import type { AssistClient } from './client.js';
import { assistAnswer, parseAssistForm, verifyAssistNotification } from './notification.js';
import { decidingOrder, DEFAULT_LOOK_BACK_MS, queryOrders } from './order-state.js';
import { findChargeAttempt } from '../../db/charge-attempts.js';
import { findPayment } from '../../db/payments.js';
import type { Queryable } from '../../db/pool.js';
import { findRefundOrigin, refundIdOfKey } from '../../db/refund-origins.js';
import { assistRefund, assistRefundStatus } from './refunds.js';
import { assistCharge, assistChargeStatus } from './recurring.js';
import { PAYMENT_VERDICT_FOR_STATE } from './states.js';
import { tokenOf } from './token.js';

export interface AssistGatewayOptions {
  settings: GatewaySettings;
  client: AssistClient;
  /** Where the payment's and attempt's rows are: a status query looks back to their creation. */
  db: Queryable;
  now: () => Date;
}

/**
 * Assist (АПК Ассист): the hosted payment form, its payment notification, the order state query
 * and recurring payments by the first payment's bill number, each in the mode (test or production
 * server, a merchant account each) the payment or subscription started in. Written from Assist's
 * published documentation and tested against a simulator of it (test/support/assist-simulator/):
 * never run against Assist itself. Refunds, whole or partial, go through cancel.cfm
 * (src/gateways/assist/refunds.ts: why a retried refund cannot refund twice).
 */
export function createAssistGateway(o: AssistGatewayOptions): RecurringGateway {
  const s = o.settings;
  return {
    name: s.name,
    mode: s.mode,
    settings: s,
    capabilities: new Set(['recurring', 'status_query', 'refunds', 'partial_refunds']),
    takesCallbacks: true,
    hasMode: (mode) => s.assist?.accounts[mode] !== undefined && s.secrets[mode] !== undefined,
    startCheckout: (payment) => Promise.resolve(startAssistCheckout(s, payment, o.now())),
    parseCallbackBody: parseAssistForm,
    verifyCallback: (_raw, form) => verifyAssistNotification(s, form),
    callbackAnswer: assistAnswer,
    async paymentStatus(payment) {
      const order = decidingOrder(await queryOrders(o.client, s, payment.mode, payment.id, sinceOf((await findPayment(o.db, payment.id))?.created_at)));
      const verdict = order ? PAYMENT_VERDICT_FOR_STATE[order.state] : 'pending';
      if (!order || verdict === 'pending') return undefined;
      return {
        status: verdict,
        gatewayTransactionId: order.billnumber,
        code: order.order.responsecode || order.state,
        message: order.order.message || order.state,
        ...(verdict === 'succeeded' && order.billnumber ? { paymentMethodToken: tokenOf(order.billnumber) } : {}),
        ...(verdict === 'succeeded' ? paidOf(order.order.orderamount ?? '', order.order.ordercurrency ?? '') : {}),
      };
    },
    charge: (req) => assistCharge(o.client, s, req, o.now()),
    chargeStatus: async (key, mode) => assistChargeStatus(o.client, s, key, mode, sinceOf((await findChargeAttempt(o.db, key))?.created_at)),
    async refund(req) {
      const origin = await findRefundOrigin(o.db, req.refundId);
      if (!origin) return { status: 'failed', code: 'tollgate_no_refund', message: `refund ${req.refundId} is not in Tollgate's ledger` };
      return assistRefund({ client: o.client, settings: s, db: o.db }, req, origin);
    },
    async refundStatus(key, mode) {
      const refundId = refundIdOfKey(key);
      const origin = refundId ? await findRefundOrigin(o.db, refundId) : undefined;
      return assistRefundStatus({ client: o.client, settings: s, db: o.db }, key, mode, origin);
    },
  };

  /** When the order was made (its row's creation), else the default look-back. */
  function sinceOf(createdAt: Date | undefined): Date {
    return createdAt ?? new Date(o.now().getTime() - DEFAULT_LOOK_BACK_MS);
  }
}
