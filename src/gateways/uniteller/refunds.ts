import type { RefundOriginRow } from '../../db/refund-origins.js';
import { GatewayTimeoutError, type RefundOutcome } from '../types.js';
import { toSubtotalP, UnitellerAmountError } from './amounts.js';
import { parseCsv, postForm, recordsWithHeader } from './client.js';
import type { UnitellerShop } from './credentials.js';
import { endpointUrl } from './endpoints.js';
import { paymentOrderId } from './orders.js';
import { queryOrderLines } from './results.js';
import { unblockSignature } from './signature.js';
import { unitellerStatus } from './statuses.js';

/**
 * Refunds through Uniteller's cancel-or-refund request, POST /unblock/, as "Технический порядок.
 * Интернет-эквайринг" v1.43 rev. 48 (2026-06-19) describes it: 4.5.1 (one request both unblocks
 * money not yet settled and refunds money settled), 4.5.2.3 (the request by OrderID, tables 29–31),
 * 8.3.2.1 (the CSV answer). The manual read is the Russian text kept in
 * github.com/i3bepb/uniteller-php-sdk (docs/тп_интернет-эквайринг_-_v1.43_rev._48.md); Uniteller's
 * own site was not reachable from here.
 *
 * Why by OrderID, not by Billnumber with Login and Password: the manual names both kinds (4.5.2.2)
 * but gives the parameters of the OrderID one only, and the OrderID is Tollgate's own Order_IDP,
 * so nothing has to be looked up first.
 *
 * Whole orders, unless the gateway sets uniteller.partial_refunds (./partial-refunds.ts, which
 * records each send instead, since there a second send is not refused). The manual allows partial and repeated cancellations
 * for a few acquirers only (TransCreditBank, MultiCarta, AK BARS, Yandex.Money) and "for all other
 * acquirers only cancellations of the full amount … only one cancellation". That rule is what makes
 * a retry safe, since Uniteller takes no idempotency key: an order is cancelled once, and a second
 * request is refused with 16 "The order has already been cancelled". So a refund key is sent as often
 * as the refund workflow asks (after a lost answer, once refundStatus found no cancellation), and
 * never refunds twice:
 *   - before sending, the results request is asked: an order already `canceled` is this refund's
 *     success (Tollgate holds at most one live refund of a whole order: src/db/refunds.ts);
 *   - a send that Uniteller refuses with 16 is the same success, found the other way round.
 * Either also takes a cancellation made by hand in Uniteller's cabinet as the refund's: the payer
 * has the money back once, which is what the refund is for.
 */
export const UNBLOCK_FIELDS = ['OrderNumber', 'Status', 'Total', 'BillNumber', 'Response_Code', 'Recommendation'] as const;

/** Table 31: "The order has already been cancelled". */
const ALREADY_CANCELLED = '16';
/** Table 31: try again later — nothing was cancelled, and the same request may be sent again. */
const TRY_LATER = '15';

/**
 * The order a refund gives money back from: a payment's Order_IDP (its gateway session; a payment
 * that started recurring payments has the `:recurrent` one) or a recurring charge's (the attempt's
 * key, src/gateways/uniteller/orders.ts).
 */
export function refundedOrderId(o: Pick<RefundOriginRow, 'payment_id' | 'payment_session_id' | 'attempt_key' | 'attempt_intent_id'>): string | undefined {
  if (o.payment_id) return o.payment_session_id ?? paymentOrderId(o.payment_id, false);
  return o.attempt_intent_id ?? o.attempt_key ?? undefined;
}

/** The signed form of the request by OrderID (table 29 and 30); Subtotal_P names the amount so a mismatch is refused. */
export function unblockForm(shop: Pick<UnitellerShop, 'shopIdp' | 'password'>, orderId: string, subtotalP: string, currency: string): Record<string, string> {
  const sent = { OrderID: orderId, Shop_ID: shop.shopIdp, Subtotal_P: subtotalP, Format: '1', Currency: currency, S_FIELDS: UNBLOCK_FIELDS.join(';') };
  // The Signature's order (table 29): OrderID, Shop_ID, Subtotal_P, Format, Currency, RVRReason, Language, S_FIELDS — those sent.
  return { ...sent, Signature: unblockSignature([sent.OrderID, sent.Shop_ID, sent.Subtotal_P, sent.Format, sent.Currency, sent.S_FIELDS], shop.password) };
}

/**
 * Reads /unblock/'s CSV answer (8.3.2.1): a line of field names and a line of values, or
 * `ErrorCode;ErrorMessage` and one line (table 31). Undefined: an answer that decides nothing — one
 * Tollgate cannot read, which may still be a cancellation, or 15 "try again later", which cancelled
 * nothing. The caller treats either as a lost answer: the results request tells, and while it shows
 * no cancellation the same key is sent again (safe: an order is cancelled once).
 */
export function readUnblockAnswer(text: string): RefundOutcome | undefined {
  const rows = parseCsv(text);
  const [head, values] = rows;
  if (head?.[0] === 'ErrorCode') {
    const code = values?.[0] ?? '';
    const message = (values?.[1] || 'Uniteller refused the cancellation').slice(0, 500);
    if (code === ALREADY_CANCELLED) return { status: 'succeeded', code: 'uniteller_16', message: `Uniteller: ${message} (the order's one cancellation)` };
    if (code === TRY_LATER) return undefined;
    // Every other refusal did nothing (authentication, a missing or malformed field, no such
    // order, reversal not allowed, 35 partial not supported): the refund fails with
    // Uniteller's words and its amount is refundable again.
    return { status: 'failed', code: `uniteller_${code || 'error'}`.slice(0, 100), message };
  }
  const record = recordsWithHeader(rows)[0];
  const status = unitellerStatus(record?.Status ?? '');
  if (!record || !status) return undefined;
  const gatewayRefundId = record.BillNumber || record.OrderNumber || undefined;
  if (status === 'canceled') return { status: 'succeeded', gatewayRefundId, code: record.Response_Code || 'canceled', message: 'Uniteller cancelled the order' };
  // 4.5.2.4: an SBP refund is asynchronous — the answer still says Paid and the order turns
  // Canceled later; the results request (refundStatus) tells when.
  if (status === 'paid' || status === 'authorized') return { status: 'pending', gatewayRefundId, code: status, message: 'Uniteller took the cancellation; the order is not canceled yet' };
  return { status: 'failed', gatewayRefundId, code: `uniteller_${status.replace(' ', '_')}`, message: `Uniteller answered the cancellation with order status ${status}` };
}

/** A refund's amount as Subtotal_P (table 30), or the failed refund when Uniteller could not be sent it. */
export function subtotalOf(req: { amountMinor: bigint; currency: string }): string | RefundOutcome {
  try {
    return toSubtotalP(req.amountMinor, req.currency);
  } catch (err) {
    if (err instanceof UnitellerAmountError) return { status: 'failed', code: 'tollgate_amount', message: err.message };
    throw err;
  }
}

/** Refunds the whole order once (see above): asks the results request first, then sends /unblock/. */
export async function unitellerRefund(shop: UnitellerShop, orderId: string, req: { amountMinor: bigint; currency: string }): Promise<RefundOutcome> {
  const done = await unitellerRefundStatus(shop, orderId);
  if (done) return done;
  const subtotal = subtotalOf(req);
  if (typeof subtotal !== 'string') return subtotal;
  const text = await postForm(endpointUrl(shop.base, 'unblock'), unblockForm(shop, orderId, subtotal, req.currency), 'the cancellation request');
  const outcome = readUnblockAnswer(text);
  // The refund workflow asks the results request after a minute, backing off, and sends the same
  // key again while no cancellation shows.
  if (!outcome) throw new GatewayTimeoutError(`uniteller: the cancellation answer for order ${orderId} decided nothing (${text.slice(0, 120).replace(/\s+/g, ' ')}); the results request will tell`);
  return outcome;
}

/**
 * What the results request shows: a `canceled` order is a succeeded refund; anything else is "no
 * cancellation seen", which the refund workflow may answer by sending again — safe, see above.
 */
export async function unitellerRefundStatus(shop: UnitellerShop, orderId: string): Promise<RefundOutcome | undefined> {
  const canceled = (await queryOrderLines(shop, orderId)).find((o) => o.status === 'canceled');
  if (!canceled) return undefined;
  return { status: 'succeeded', gatewayRefundId: canceled.billNumber || orderId, code: canceled.responseCode || 'canceled', message: 'Uniteller shows the order canceled' };
}
