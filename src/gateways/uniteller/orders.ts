/**
 * Uniteller's Order_IDP — the shop's order number, unique per shop (manual: "номер заказа в
 * системе расчётов интернет-магазина", any non-blank string of at most 127 characters). Uniteller
 * refuses a second order with a number it has seen, which makes it Tollgate's idempotency key:
 *
 * - a one-time payment's order is its payment id; a payment that keeps the card for a
 *   subscription (IsRecurrentStart) gets the suffix `:recurrent`, so its callback alone tells that
 *   the order can be a parent;
 * - a recurring charge's order is the attempt's idempotency key `<subscriptionId>:<period>:<attempt>`
 *   itself: a lost answer is asked about by that number (the results request), and sending it again
 *   could only be refused as a duplicate, never charged twice.
 *
 * The stored payment method of a subscription is only the first payment's Order_IDP (the
 * BGBilling Uniteller module: "only a reference to the successful payment is stored"), which a
 * recurring request names as Parent_Order_IDP.
 */
const RECURRENT_SUFFIX = ':recurrent';
const MAX_ORDER_CHARS = 127;

export function paymentOrderId(paymentId: string, recurrentStart: boolean): string {
  return recurrentStart ? `${paymentId}${RECURRENT_SUFFIX}` : paymentId;
}

export type OrderOf =
  | { kind: 'payment'; paymentId: string; parentToken: string | undefined }
  | { kind: 'charge'; idempotencyKey: string }
  | { kind: 'foreign' };

/** Whose order a Uniteller order number is: a payment's, a recurring charge's, or nothing of Tollgate's. */
export function orderOf(orderId: string): OrderOf {
  if (orderId.length === 0 || orderId.length > MAX_ORDER_CHARS) return { kind: 'foreign' };
  const payment = /^([A-Za-z0-9_-]+)(:recurrent)?$/.exec(orderId);
  if (payment?.[1]) return { kind: 'payment', paymentId: payment[1], parentToken: payment[2] ? orderId : undefined };
  if (/^[A-Za-z0-9_-]+:\d+:\d+$/.test(orderId)) return { kind: 'charge', idempotencyKey: orderId };
  return { kind: 'foreign' };
}

/** A stored Uniteller payment method: the Order_IDP of a first payment that started recurring payments. */
export function parentOrderOf(token: string): string | undefined {
  const o = orderOf(token);
  return o.kind === 'payment' && o.parentToken !== undefined ? token : undefined;
}

export function isOrderId(text: string): boolean {
  return text.length > 0 && text.length <= MAX_ORDER_CHARS && text.trim() === text;
}
