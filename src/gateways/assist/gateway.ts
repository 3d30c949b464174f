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
 * published documentation and tested against a simulator of it (test/support/assist-simulator.ts):
 * never run against Assist itself. Refunds and cancels (cancel.cfm) are not implemented.
 */
export function createAssistGateway(o: AssistGatewayOptions): RecurringGateway {
  const s = o.settings;
  return {
    name: s.name,
    mode: s.mode,
    settings: s,
    capabilities: new Set(['recurring', 'status_query']),
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
  };

  /** When the order was made (its row's creation), else the default look-back. */
  function sinceOf(createdAt: Date | undefined): Date {
    return createdAt ?? new Date(o.now().getTime() - DEFAULT_LOOK_BACK_MS);
  }
}
