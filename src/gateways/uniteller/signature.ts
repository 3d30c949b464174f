import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Uniteller's signatures, from its integration manual ("Технический порядок взаимодействия с
 * системой Uniteller", the sections on the payment page request, the recurring payment request and
 * the notification of a changed order status). Uniteller's own document was not reachable from
 * here: the formulas below are the manual's as every public integration we read applies them
 * (the Uniteller PHP SDKs tmconsulting/uniteller-php-sdk and SergeySSmirnov/uniteller-php-sdk,
 * the aMember and nopCommerce plugins), and they agree with one another. `md5` is the lower-case
 * hex digest of the UTF-8 text; the result is upper case.
 */
const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The payment page's Signature (manual, "Параметры запроса на оплату"):
 *   uppercase(md5(md5(Shop_IDP) & md5(Order_IDP) & md5(Subtotal_P) & md5(MeanType) &
 *   md5(EMoneyType) & md5(Lifetime) & md5(Customer_IDP) & md5(Card_IDP) & md5(IData) &
 *   md5(PT_Code) & md5(password)))
 * where `&` is the character itself and an absent parameter is the empty string (md5 of "").
 * Later editions of the manual append optional parameters (OrderLifetime, PhoneVerified,
 * MerchantOrderID, PaymentTypeLimits) before the password only when they are sent, as the
 * tmconsulting SDK does; Tollgate sends none of them, so both readings give the same value.
 */
export interface PaymentSignatureFields {
  Shop_IDP: string;
  Order_IDP: string;
  Subtotal_P: string;
  MeanType?: string | undefined;
  EMoneyType?: string | undefined;
  Lifetime?: string | undefined;
  Customer_IDP?: string | undefined;
  Card_IDP?: string | undefined;
  IData?: string | undefined;
  PT_Code?: string | undefined;
}

export function paymentSignature(f: PaymentSignatureFields, password: string): string {
  const parts = [f.Shop_IDP, f.Order_IDP, f.Subtotal_P, f.MeanType, f.EMoneyType, f.Lifetime, f.Customer_IDP, f.Card_IDP, f.IData, f.PT_Code, password];
  return md5(parts.map((p) => md5(p ?? '')).join('&')).toUpperCase();
}

/**
 * The recurring payment request's Signature (manual, "Рекуррентные платежи"):
 *   uppercase(md5(md5(Shop_IDP) & md5(Order_IDP) & md5(Subtotal_P) & md5(Parent_Order_IDP) & md5(password)))
 */
export function recurrentSignature(f: { Shop_IDP: string; Order_IDP: string; Subtotal_P: string; Parent_Order_IDP: string }, password: string): string {
  return md5([f.Shop_IDP, f.Order_IDP, f.Subtotal_P, f.Parent_Order_IDP, password].map(md5).join('&')).toUpperCase();
}

/**
 * The notification's Signature (manual, "Уведомление интернет-магазина об изменении статуса
 * заказа"): uppercase(md5(Order_ID + Status + password)), `+` being plain concatenation. (With
 * extra notification fields configured in Uniteller's cabinet they join between Status and the
 * password; Tollgate asks for none.)
 */
export function callbackSignature(orderId: string, status: string, password: string): string {
  return md5(`${orderId}${status}${password}`).toUpperCase();
}

/**
 * The cancel-or-refund request's Signature, by OrderID ("Технический порядок. Интернет-эквайринг",
 * v1.43 rev. 48 of 2026-06-19, 4.5.2.3, table 29 — read in the Russian text of the manual kept in
 * github.com/i3bepb/uniteller-php-sdk, docs/тп_интернет-эквайринг_-_v1.43_rev._48.md):
 *   uppercase(sha256(sha256(OrderID) & sha256(Shop_ID) & sha256(Subtotal_P) & sha256(Format) &
 *   sha256(Currency) & sha256(RVRReason) & sha256(Language) & sha256(S_FIELDS) & sha256(Password)))
 * with lower-case hex digests, and — unlike the payment page's — only the parameters sent take part:
 * an optional one left out leaves out its `&` too. `sent` is the sent values in that order.
 */
export function unblockSignature(sent: readonly string[], password: string): string {
  return sha256([...sent, password].map(sha256).join('&')).toUpperCase();
}

/** Compares a received signature with the expected one in constant time (case-insensitively: hex). */
export function signatureMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received.toUpperCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
