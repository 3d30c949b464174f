import type { GatewaySettings } from '../settings.js';
import type { RecurringGateway } from '../types.js';
import { paidOf } from './amounts.js';
import { startAssistCheckout } from './checkout.js';
import type { AssistClient } from './client.js';
import { assistAnswer, parseAssistForm, verifyAssistNotification } from './notification.js';
import { decidingOrder, queryOrders } from './order-state.js';
import { assistCharge, assistChargeStatus } from './recurring.js';
import { PAYMENT_VERDICT_FOR_STATE } from './states.js';
import { tokenOf } from './token.js';

export interface AssistGatewayOptions {
  settings: GatewaySettings;
  client: AssistClient;
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
      const order = decidingOrder(await queryOrders(o.client, s, payment.mode, payment.id, o.now()));
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
    chargeStatus: (key, mode) => assistChargeStatus(o.client, s, key, mode, o.now()),
  };
}
