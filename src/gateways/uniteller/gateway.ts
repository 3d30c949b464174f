import { findPayment } from '../../db/payments.js';
import { findRefundOrigin, refundIdOfKey } from '../../db/refund-origins.js';
import type { Queryable } from '../../db/pool.js';
import type { GatewaySettings } from '../settings.js';
import type { RecurringGateway } from '../types.js';
import { parseCallbackForm, verifyUnitellerCallback } from './callback.js';
import { hostedPageStart } from './checkout.js';
import { requireShop, shopFor } from './credentials.js';
import { orderOf, paymentOrderId } from './orders.js';
import { chargeRecurrent, recurrentStatus } from './recurring.js';
import { queryOrder } from './results.js';
import { unitellerPartialRefund, unitellerPartialRefundStatus } from './partial-refunds.js';
import { refundedOrderId, unitellerRefund, unitellerRefundStatus } from './refunds.js';
import { PAYMENT_OUTCOME_FOR_STATUS } from './statuses.js';
import { fromUnitellerAmount } from './amounts.js';

export interface UnitellerGatewayOptions {
  settings: GatewaySettings;
  /** Tollgate's own rows: a status query finds the payment's Order_IDP there. */
  db: Queryable;
}

/**
 * Uniteller (uniteller.ru), implemented from its integration manual and never run against
 * Uniteller itself (see README): the hosted payment page, its notifications, the results request
 * as the status query, recurring payments by parent order, and refunds through the
 * cancel-or-refund request (/unblock/): whole orders (./refunds.ts: why a retried refund cannot
 * refund twice), or parts where the acquirer takes them (uniteller.partial_refunds, ./partial-refunds.ts).
 */
export function createUnitellerGateway(o: UnitellerGatewayOptions): RecurringGateway {
  const s = o.settings;
  const partial = s.uniteller?.partialRefunds === true;
  const partialDeps = { db: o.db, gateway: s.name };
  return {
    name: s.name,
    mode: s.mode,
    settings: s,
    // partial_refunds only where the shop's acquirer takes them (uniteller.partial_refunds).
    capabilities: new Set(['recurring', 'status_query', 'refunds', ...(partial ? (['partial_refunds'] as const) : [])]),
    takesCallbacks: true,
    hasMode: (mode) => shopFor(s, mode) !== undefined,
    // No call to make: the page's URL is signed here (a missing mode's shop rejects, as a failed call would).
    startCheckout: (payment) => Promise.resolve().then(() => hostedPageStart(requireShop(s, payment.mode), payment)),
    parseCallbackBody: parseCallbackForm,
    verifyCallback: (raw, form) => verifyUnitellerCallback(s, raw, form),
    async paymentStatus(payment) {
      const row = await findPayment(o.db, payment.id);
      const orderId = row?.gateway_session_id ?? paymentOrderId(payment.id, false);
      const known = await queryOrder(requireShop(s, payment.mode), orderId);
      if (!known) return undefined;
      const outcome = PAYMENT_OUTCOME_FOR_STATUS[known.status];
      if (outcome === 'open') return undefined;
      const parent = orderOf(orderId);
      return outcome === 'succeeded'
        ? { status: 'succeeded', gatewayTransactionId: orderId, ids: { sessionId: orderId }, paymentMethodToken: parent.kind === 'payment' ? parent.parentToken : undefined, ...(row ? paidOfTotal(known.total, row.currency) : {}) }
        : { status: 'failed', gatewayTransactionId: orderId, code: known.status, message: `Uniteller order ${known.status}` };
    },
    charge: async (req) => chargeRecurrent(requireShop(s, req.mode), req),
    chargeStatus: async (key, mode) => recurrentStatus(requireShop(s, mode), key),
    async refund(req) {
      const shop = requireShop(s, req.mode);
      const origin = await findRefundOrigin(o.db, req.refundId);
      const orderId = origin && refundedOrderId(origin);
      if (!orderId) return { status: 'failed', code: 'tollgate_no_order', message: `refund ${req.refundId} names no Uniteller order to cancel` };
      return partial ? unitellerPartialRefund(partialDeps, shop, orderId, req) : unitellerRefund(shop, orderId, req);
    },
    async refundStatus(key, mode) {
      if (partial) return unitellerPartialRefundStatus(partialDeps, requireShop(s, mode), key);
      const refundId = refundIdOfKey(key);
      const origin = refundId ? await findRefundOrigin(o.db, refundId) : undefined;
      const orderId = origin && refundedOrderId(origin);
      return orderId ? unitellerRefundStatus(requireShop(s, mode), orderId) : undefined;
    },
  };
}

/** The results' Total as GatewayOutcome.paidMinor (in the payment's currency: the answer names none), so a success for another amount fails amount_mismatch. */
function paidOfTotal(total: string, currency: string): { paidMinor: string; paidCurrency: string } | Record<never, never> {
  if (!total) return {};
  try {
    return { paidMinor: fromUnitellerAmount(total, currency).toString(), paidCurrency: currency };
  } catch {
    return { paidMinor: `unreadable:${total.slice(0, 32)}`, paidCurrency: currency };
  }
}
