import type { Queryable } from '../../db/pool.js';
import { findUnitellerCancel, forgetUnitellerCancel, recordUnitellerCancel, settleUnitellerCancel, type UnitellerCancelRow } from '../../db/uniteller-cancel-requests.js';
import { GatewayTimeoutError, type RefundOutcome, type RefundRequest } from '../types.js';
import { fromUnitellerAmount } from './amounts.js';
import { parseCsv, postForm } from './client.js';
import type { UnitellerShop } from './credentials.js';
import { endpointUrl } from './endpoints.js';
import { subtotalOf, unblockForm } from './refunds.js';
import { type OrderLedgerLine, queryOrderLedger } from './results.js';

/**
 * Partial refunds through /unblock/, for a gateway whose acquirer allows them
 * (`uniteller.partial_refunds: true`). "Технический порядок. Интернет-эквайринг" v1.43 rev. 48:
 * 4.5.1 — partial cancellations ("for an amount less than the original payment, or the original
 * amount less the cancellations made already (the current balance)") exist for a few acquirers
 * (TransCreditBank, MultiCarta, AK BARS, Yandex.Money), repeated ones for fewer (TransCreditBank,
 * MultiCarta, Yandex.Money); table 30 — Subtotal_P, "from 0.01 to the payment's amount", names
 * the amount; table 31 — 35 "Partial return is not supported" where the acquirer has none.
 *
 * With several cancellations of one order allowed, Uniteller refuses nothing a second send would
 * repeat, and /unblock/ takes no idempotency key. So, as for Assist (../assist/refunds.ts), the
 * send is recorded BEFORE it is made (uniteller_cancel_requests, migration 0032), a key with a row
 * is never sent again, and a lost answer is resolved from the results request asked with
 * PaymentsResults=3, which lists each successful refund as its own line with its own BillNumber
 * (table 34, 7): one unresolved cancellation per order at a time, so a refund line that was not
 * there before the send, for this amount, is this cancellation. What that cannot prove stays
 * `pending` — asked about again, never sent again — for a person to settle from Uniteller's
 * cabinet: an SBP payment (PaymentsResults=3 "is not supported for SBP") and an acquirer that lists
 * no refund line for a cancellation made before settlement.
 */
export interface PartialRefundDeps {
  db: Queryable;
  gateway: string;
}

/** Table 31: try again later — nothing was cancelled. */
const TRY_LATER = '15';

const refundLines = (lines: OrderLedgerLine[]) => lines.filter((l) => l.status === 'refund');

export async function unitellerPartialRefund(d: PartialRefundDeps, shop: UnitellerShop, orderId: string, req: RefundRequest): Promise<RefundOutcome> {
  const earlier = await findUnitellerCancel(d.db, req.idempotencyKey);
  if (earlier) return (await resolve(d, shop, earlier)) ?? stillOpen(earlier);
  const subtotal = subtotalOf(req);
  if (typeof subtotal !== 'string') return subtotal;
  const before = await queryOrderLedger(shop, orderId);
  const payment = before.find((l) => l.status !== 'refund');
  if (!payment) return { status: 'failed', code: 'uniteller_no_order', message: `Uniteller's results show no order ${orderId}` };
  if (payment.status === 'canceled') return { status: 'failed', code: 'uniteller_canceled', message: `Uniteller shows order ${orderId} canceled already: nothing is left to refund` };
  const recorded = await recordUnitellerCancel(d.db, {
    idempotency_key: req.idempotencyKey, gateway: d.gateway, mode: req.mode, order_id: orderId, amount_minor: req.amountMinor, currency: req.currency,
    refunds_before: refundLines(before).map((l) => l.billNumber),
  });
  if (recorded === 'exists') return unitellerPartialRefund(d, shop, orderId, req); // a concurrent try of the same key wrote it first
  // Retried by the refund activity (same key) once the other cancellation of this order is resolved.
  if (recorded === 'busy') throw new Error(`uniteller: another cancellation of order ${orderId} is unresolved; refund ${req.refundId} waits for it`);
  // A lost answer throws GatewayTimeoutError here: the row stays `sent` and is resolved from the results.
  const text = await postForm(endpointUrl(shop.base, 'unblock'), unblockForm(shop, orderId, subtotal, req.currency), 'the cancellation request');
  const [head, values] = parseCsv(text);
  if (head?.[0] === 'ErrorCode') {
    const code = values?.[0] ?? '';
    if (code === TRY_LATER) {
      // Nothing was cancelled: forgotten, so the refund workflow's next try sends the key again.
      await forgetUnitellerCancel(d.db, req.idempotencyKey);
      throw new GatewayTimeoutError(`uniteller: the cancellation of order ${orderId} was answered 15 (try again later); nothing was cancelled`);
    }
    // Every other refusal cancelled nothing (35 partial not supported, 5 an amount beyond the
    // balance, 16 the order cancelled already, …): the refund fails with Uniteller's words.
    const outcome: RefundOutcome = { status: 'failed', code: `uniteller_${code || 'error'}`.slice(0, 100), message: (values?.[1] || 'Uniteller refused the cancellation').slice(0, 500) };
    await settleUnitellerCancel(d.db, req.idempotencyKey, outcome);
    return outcome;
  }
  // Uniteller took the cancellation; the refund line it lists is the proof (and the refund's RRN).
  const row = await findUnitellerCancel(d.db, req.idempotencyKey);
  const found = row && (await resolve(d, shop, row));
  if (found) return found;
  await settleUnitellerCancel(d.db, req.idempotencyKey, { status: 'pending', code: 'uniteller_taken', message: 'Uniteller took the cancellation; its refund line is not listed yet' });
  return { status: 'pending', code: 'uniteller_taken', message: 'Uniteller took the cancellation; its refund line is not listed yet' };
}

/** What became of a key: undefined only if it was never sent (no row). */
export async function unitellerPartialRefundStatus(d: PartialRefundDeps, shop: UnitellerShop, key: string): Promise<RefundOutcome | undefined> {
  const row = await findUnitellerCancel(d.db, key);
  if (!row) return undefined;
  return (await resolve(d, shop, row)) ?? stillOpen(row);
}

/** A decided row's outcome, or a send resolved from the results now; undefined: still unknown. */
async function resolve(d: PartialRefundDeps, shop: UnitellerShop, row: UnitellerCancelRow): Promise<RefundOutcome | undefined> {
  if (row.status === 'succeeded' || row.status === 'failed') {
    return { status: row.status, gatewayRefundId: row.gateway_refund_id ?? undefined, code: row.code ?? undefined, message: row.message ?? undefined };
  }
  const seen = new Set(row.refunds_before);
  const fresh = refundLines(await queryOrderLedger(shop, row.order_id)).filter((l) => !seen.has(l.billNumber));
  // One open cancellation per order: a single new refund line of this amount is this one's.
  const [line, more] = fresh;
  if (!line || more || amountOf(line.total, row.currency) !== row.amount_minor) return undefined;
  const outcome: RefundOutcome = { status: 'succeeded', gatewayRefundId: line.billNumber || undefined, code: 'refund', message: `Uniteller lists the refund of ${line.total} on order ${row.order_id}` };
  await settleUnitellerCancel(d.db, row.idempotency_key, outcome);
  return outcome;
}

function amountOf(total: string, currency: string): bigint | undefined {
  try {
    return fromUnitellerAmount(total, currency);
  } catch {
    return undefined;
  }
}

function stillOpen(row: UnitellerCancelRow): RefundOutcome {
  return { status: 'pending', gatewayRefundId: row.gateway_refund_id ?? undefined, code: row.code ?? 'uniteller_unresolved', message: row.message ?? 'sent to Uniteller; its outcome is not known yet (never sent again)' };
}
