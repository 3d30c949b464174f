import type { CheckoutStart, PaymentForCheckout } from '../types.js';
import { toSubtotalP } from './amounts.js';
import type { UnitellerShop } from './credentials.js';
import { endpointUrl } from './endpoints.js';
import { paymentOrderId } from './orders.js';
import { paymentSignature } from './signature.js';

/** Uniteller ends a page at most this long after it opens; a payment's deadline is usually sooner. */
const MAX_LIFETIME_SECONDS = 86_400;

/**
 * The payer's way to Uniteller's hosted payment page (manual, "Параметры запроса на оплату"): the
 * page at /pay/ takes its parameters by POST or GET, so Tollgate hands the payer a URL carrying
 * them. No call is made: the signature is what stops a payer from changing the amount or order.
 * Lifetime ends the page at the payment's deadline, so Uniteller takes no money after it.
 * IsRecurrentStart marks a first payment that later recurring requests may name as parent.
 * The Order_IDP is kept as the payment's session id: the status query asks by it.
 */
export function hostedPageStart(shop: UnitellerShop, p: PaymentForCheckout, now = Date.now()): CheckoutStart {
  const orderId = paymentOrderId(p.id, p.saveCard === true);
  const lifetime = Math.max(1, Math.min(MAX_LIFETIME_SECONDS, Math.floor((p.expiresAt.getTime() - now) / 1000)));
  const signed = {
    Shop_IDP: shop.shopIdp,
    Order_IDP: orderId,
    Subtotal_P: toSubtotalP(p.amountMinor, p.currency),
    Lifetime: String(lifetime),
    Customer_IDP: p.customer?.id,
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(signed)) if (v !== undefined) params.set(k, v);
  params.set('Currency', p.currency);
  params.set('URL_RETURN_OK', p.returnUrl);
  params.set('URL_RETURN_NO', p.returnUrl);
  if (p.saveCard) params.set('IsRecurrentStart', '1');
  if (p.customer?.email) params.set('Email', p.customer.email);
  params.set('Signature', paymentSignature(signed, shop.password));
  return { url: `${endpointUrl(shop.base, 'pay')}?${params.toString()}`, ids: { sessionId: orderId } };
}
