import { findPayment } from '../../db/payments.js';
import type { Queryable } from '../../db/pool.js';
import { findRefundTarget } from '../../db/refund-targets.js';
import type { GatewaySettings } from '../settings.js';
import type { RecurringGateway } from '../types.js';
import { checkoutSessionOutcome, createCheckoutSession, expireCheckoutSession } from './checkout.js';
import { clientFor, createStripeClients } from './client.js';
import { chargeOffSession, findOffSessionCharge } from './recurring.js';
import { createRefund, findRefund, refundTargetOf } from './refunds.js';
import { verifyStripeCallback } from './webhooks.js';

export interface StripeGatewayOptions {
  settings: GatewaySettings;
  /** Tollgate's own rows: a status query by payment id or refund key finds the Stripe ids there. */
  db: Queryable;
  toleranceSeconds: number;
}

/**
 * Stripe (https://docs.stripe.com/api): hosted Checkout for one-time payments and payment links,
 * off-session PaymentIntents for subscriptions, refunds, and webhooks verified with the client's
 * Stripe-Signature check. Each mode is its own Stripe account (its own API key and webhook secret);
 * a payment or subscription always uses the mode it started in.
 */
export function createStripeGateway(o: StripeGatewayOptions): RecurringGateway {
  const s = o.settings;
  const clients = createStripeClients(s);
  const stripe = (mode: 'test' | 'live') => clientFor(clients, s, mode);
  return {
    name: s.name,
    mode: s.mode,
    settings: s,
    capabilities: new Set(['recurring', 'refunds', 'partial_refunds', 'disputes', 'status_query', 'cancel_checkout']),
    takesCallbacks: true,
    hasMode: (mode) => clients[mode] !== undefined,
    startCheckout: (payment) => createCheckoutSession(stripe(payment.mode), payment),
    cancelCheckout: (payment) => expireCheckoutSession(stripe(payment.mode), payment.ids),
    async paymentStatus(payment) {
      const sessionId = (await findPayment(o.db, payment.id))?.gateway_session_id;
      return sessionId ? checkoutSessionOutcome(stripe(payment.mode), sessionId) : undefined;
    },
    charge: (req) => chargeOffSession(stripe(req.mode), req),
    chargeStatus: (key, mode) => findOffSessionCharge(stripe(mode), key),
    refund: (req) => createRefund(stripe(req.mode), req),
    async refundStatus(key, mode) {
      const row = await findRefundTarget(o.db, key);
      if (!row) return undefined;
      return findRefund(stripe(mode), row.refund_id, { gatewayRefundId: row.gateway_refund_id, target: refundTargetOf({ intentId: row.intent_id, chargeId: row.charge_id }, row.transaction_id) });
    },
    verifyCallback: (raw, _json, nowSeconds) => verifyStripeCallback(s, raw, nowSeconds, o.toleranceSeconds),
  };
}
