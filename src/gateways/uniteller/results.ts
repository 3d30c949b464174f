import type { UnitellerShop } from './credentials.js';
import { parseCsv, postForm, throwIfError } from './client.js';
import { endpointUrl } from './endpoints.js';
import { unitellerStatus, type UnitellerStatus } from './statuses.js';

/**
 * The results request (manual, "Запрос результатов авторизации", POST /results/): the shop's
 * Shop_ID, Login and Password, Format=1 (CSV), the order number (ShopOrderNumber) and the fields
 * wanted (S_FIELDS), which the answer carries in that order, one line per order.
 */
export const RESULT_FIELDS = ['OrderNumber', 'Status', 'Total', 'BillNumber', 'Response_Code', 'Recommendation'] as const;

export interface OrderResult {
  orderNumber: string;
  status: UnitellerStatus;
  total: string;
  billNumber: string;
  responseCode: string;
  recommendation: string;
}

/** What Uniteller knows of one order; undefined when it has none by that number. */
export async function queryOrder(shop: UnitellerShop, orderId: string): Promise<OrderResult | undefined> {
  const found = await queryOrderLines(shop, orderId);
  // One order has one line; should there be more (an attempt per line), a taken one decides.
  return found.find((o) => o.status === 'paid' || o.status === 'authorized') ?? found[0];
}

/** Every line the results request gives about this order (the manual: the last transaction's, so one). */
export async function queryOrderLines(shop: UnitellerShop, orderId: string): Promise<OrderResult[]> {
  const text = await postForm(
    endpointUrl(shop.base, 'results'),
    { Shop_ID: shop.shopIdp, Login: shop.login, Password: shop.apiPassword, Format: '1', ShopOrderNumber: orderId, S_FIELDS: RESULT_FIELDS.join(';') },
    'the results request',
  );
  const rows = parseCsv(text);
  throwIfError(rows);
  const found: OrderResult[] = [];
  for (const r of rows) {
    const status = unitellerStatus(r[1] ?? '');
    // Another order's line (a prefix match) or a status newer than this code is not an answer about this one.
    if (r[0] !== orderId || !status) continue;
    found.push({ orderNumber: orderId, status, total: r[2] ?? '', billNumber: r[3] ?? '', responseCode: r[4] ?? '', recommendation: r[5] ?? '' });
  }
  return found;
}

/** One line of the results request asked with PaymentsResults=3 (table 34, 7): the order's last payment, or one of its refunds. */
export interface OrderLedgerLine {
  /** The payment's status as the results request spells it, lower case ("paid", "partly canceled", …), or "refund". */
  status: string;
  total: string;
  /** For a refund line, the RRN of the refund operation. */
  billNumber: string;
}

/**
 * The order's last payment and every successful refund of it: the results request with
 * PaymentsResults=3 ("only the last payment of the order and successful refunds (not supported
 * for SBP)"; a refund line is a copy of the payment's line with BillNumber the refund's RRN, Total
 * its amount and Status = Refund) and ShowPartlyCanceled=1 (a partly refunded order says "partly
 * canceled"; manual v1.43 rev. 48, 4.6.2.1, table 34, 7 and 8). Empty: Uniteller has no such order.
 */
export async function queryOrderLedger(shop: UnitellerShop, orderId: string): Promise<OrderLedgerLine[]> {
  const text = await postForm(
    endpointUrl(shop.base, 'results'),
    {
      Shop_ID: shop.shopIdp, Login: shop.login, Password: shop.apiPassword, Format: '1', ShopOrderNumber: orderId,
      PaymentsResults: '3', ShowPartlyCanceled: '1', S_FIELDS: RESULT_FIELDS.join(';'),
    },
    'the results request',
  );
  const rows = parseCsv(text);
  throwIfError(rows);
  return rows.filter((r) => r[0] === orderId).map((r) => ({ status: (r[1] ?? '').trim().toLowerCase(), total: r[2] ?? '', billNumber: r[3] ?? '' }));
}
