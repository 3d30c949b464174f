import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Assist's MD5 check values, from Assist's published documentation (docs.assist.ru, mirrored at
 * docs.belassist.by). Every one is the same construction over a different string X:
 *
 *   checkvalue = uppercase(md5(uppercase(md5(SALT) + md5(X))))
 *
 * where SALT is the merchant's secret word, md5 gives lower-case hex, and + is string
 * concatenation. X joins the named fields as they are sent, without delimiters:
 *
 * - the payment form (order.cfm, "Authorization request", note on Checkvalue, page 17368277):
 *   X = Merchant_ID + OrderNumber + OrderAmount + OrderCurrency. One public PHP library joins them
 *   with ";" (that is the RSA Signature's string, "Setting up technical interaction"); we follow
 *   Assist's own Checkvalue note, which says "without delimiters".
 * - the payment notification (Result URL, "Уведомление о платеже", checkvalue row):
 *   X = merchant_id + ordernumber + amount + currency + orderstate.
 * - the order state answer (orderstate.cfm, "Получение статуса заказа", checkvalue row,
 *   page 116032578): X = merchant_id + ordernumber + orderamount + ordercurrency + orderstate.
 *
 * md5 is over the UTF-8 bytes (every field Tollgate sends is ASCII).
 */
export function assistCheckvalue(salt: string, fields: readonly string[]): string {
  const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
  return md5((md5(salt) + md5(fields.join(''))).toUpperCase()).toUpperCase();
}

/** The payment form's Checkvalue. */
export function formCheckvalue(salt: string, f: { merchantId: string; orderNumber: string; orderAmount: string; orderCurrency: string }): string {
  return assistCheckvalue(salt, [f.merchantId, f.orderNumber, f.orderAmount, f.orderCurrency]);
}

/** A notification's checkvalue (its amount and currency are the operation's). */
export function notificationCheckvalue(salt: string, f: { merchantId: string; orderNumber: string; amount: string; currency: string; orderState: string }): string {
  return assistCheckvalue(salt, [f.merchantId, f.orderNumber, f.amount, f.currency, f.orderState]);
}

/** An orderstate.cfm order's checkvalue (the order's original amount and currency). */
export function orderStateCheckvalue(salt: string, f: { merchantId: string; orderNumber: string; orderAmount: string; orderCurrency: string; orderState: string }): string {
  return assistCheckvalue(salt, [f.merchantId, f.orderNumber, f.orderAmount, f.orderCurrency, f.orderState]);
}

/** Compares check values in constant time; Assist's are upper-case hex, a lower-case copy is the same value. */
export function checkvaluesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toUpperCase());
  const b = Buffer.from(received.trim().toUpperCase());
  return a.length === b.length && timingSafeEqual(a, b);
}
