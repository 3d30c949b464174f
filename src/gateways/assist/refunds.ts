import { type AssistCancelRow, findAssistCancel, recordAssistCancel, settleAssistCancel } from '../../db/assist-cancel-requests.js';
import type { Queryable } from '../../db/pool.js';
import type { RefundOriginRow } from '../../db/refund-origins.js';
import type { GatewayMode, GatewaySettings } from '../settings.js';
import { GatewayTimeoutError, type RefundOutcome, type RefundRequest } from '../types.js';
import { AssistAmountError, toAssistAmount } from './amounts.js';
import { accountOf } from './checkout.js';
import type { AssistAnswer, AssistClient } from './client.js';
import { queryOrders, type VerifiedOrder } from './order-state.js';
import { ASSIST_PATHS } from './servers.js';

/**
 * Refunds through Assist's cancel web service over HTTP POST, cancel.cfm ("Cancel", Assist's
 * documentation: https://docs.belassist.by/pages/viewpage.action?pageId=19071203, the same page on
 * docs.assist.ru/x/4oBKBQ): Billnumber, Merchant_ID, Login, Password, and Amount with Currency
 * together for a partial amount ("If the above parameters are missing, the full amount cancelation
 * operation will be performed"); Assist decides itself whether it is a cancellation or a refund.
 * Success is "response code of cancel operation AS000, firstcode and secondcode 0, status of the
 * order Canceled or PartialCanceled"; AS100–AS998 is an unsuccessful cancellation; non-zero
 * firstcode/secondcode a request that could not be processed. Partial and repeated cancellations
 * exist (the cabinet's cancel form counts "the number of cancellations already performed"), so
 * the adapter declares `partial_refunds`.
 *
 * Why a retried refund cannot refund twice: cancel.cfm takes no idempotency key (Externalrefundid
 * is documented "only for the wscancel service and for JSON and SOAP formats"), and with several
 * partial cancellations allowed, Assist refuses nothing a second send would repeat. So the adapter
 * records what it sent (assist_cancel_requests, migration 0031) BEFORE sending, and a key with a
 * row is never sent again: refund() answers it from the row or the order's state, refundStatus
 * answers "seen" for it (so the refund workflow never re-sends), and only a key without a row is
 * "never seen". A lost answer is resolved from orderstate.cfm: one unresolved cancellation per
 * bill at a time (a second refund waits, retried by its activity), so the order's move from the
 * state seen before the send belongs to it — Canceled (everything is back), or PartialCanceled
 * where the order was Approved before. A partial cancellation of an order that was
 * PartialCanceled already cannot be told apart from none: it stays pending — asked about again,
 * never sent again — for a person to settle from Assist's cabinet. The cancel answer's order
 * carries no documented checkvalue, so it is believed as the answer of the configured Assist host.
 */
export interface AssistRefundDeps {
  client: AssistClient;
  settings: GatewaySettings;
  db: Queryable;
}

/** The documented cancel states of an order. */
const CANCELED_STATES: ReadonlySet<string> = new Set(['Canceled', 'PartialCanceled']);

/** cancel.cfm's own fields (the client adds Merchant_ID, Login, Password and Format=3). */
export function cancelFields(billnumber: string, amountMinor: bigint, currency: string): Record<string, string> {
  return { Billnumber: billnumber, Amount: toAssistAmount(amountMinor, currency), Currency: currency };
}

/** What a cancel.cfm answer says of the cancellation of `billnumber`; `pending`: nothing final in it. */
export function readCancelAnswer(answer: Extract<AssistAnswer, { ok: true }>, billnumber: string): RefundOutcome {
  if (answer.firstcode !== '0' || answer.secondcode !== '0') {
    return { status: 'failed', code: `assist_${answer.firstcode || 'x'}_${answer.secondcode || 'x'}`.slice(0, 100), message: `Assist could not process the cancellation (error ${answer.firstcode}/${answer.secondcode})` };
  }
  const i = Math.max(0, answer.orders.findIndex((o) => o.billnumber === billnumber));
  const order = answer.orders[i];
  // The cancel operation is the order's newest one.
  const operation = answer.operations[i]?.at(-1);
  const code = operation?.responsecode || order?.responsecode || '';
  const gatewayRefundId = operation?.billnumber || undefined;
  const message = (operation?.customermessage || operation?.message || order?.message || '').slice(0, 500);
  if (/^AS(?:[1-8]\d\d|9[0-8]\d|99[0-8])$/.test(code)) return { status: 'failed', gatewayRefundId, code, message: message || `Assist declined the cancellation (${code})` };
  if (order && CANCELED_STATES.has(order.orderstate ?? '') && (code === 'AS000' || code === '')) {
    return { status: 'succeeded', gatewayRefundId, code: code || order.orderstate, message: message || `Assist: order ${order.orderstate}` };
  }
  return { status: 'pending', gatewayRefundId, code: code || 'assist_undecided', message: message || 'Assist took the cancellation without a final result' };
}

/** Refunds once per key (see above). `origin` names the bill and the order (src/db/refund-origins.ts). */
export async function assistRefund(d: AssistRefundDeps, req: RefundRequest, origin: RefundOriginRow): Promise<RefundOutcome> {
  const { account } = accountOf(d.settings, req.mode); // GatewayModeUnavailableError: never the other mode
  const earlier = await findAssistCancel(d.db, req.idempotencyKey);
  if (earlier) return (await resolve(d, earlier, origin)) ?? stillOpen(earlier);
  const billnumber = origin.original_transaction_id;
  const orderNumber = origin.payment_id ?? origin.attempt_key;
  if (!billnumber || !orderNumber) return { status: 'failed', code: 'tollgate_no_bill', message: `refund ${req.refundId} names no Assist bill to cancel` };
  let fields: Record<string, string>;
  try {
    fields = cancelFields(billnumber, req.amountMinor, req.currency);
  } catch (err) {
    if (err instanceof AssistAmountError) return { status: 'failed', code: 'tollgate_amount', message: err.message };
    throw err;
  }
  const before = (await queryOrders(d.client, d.settings, req.mode, orderNumber, origin.origin_created_at)).find((o) => o.billnumber === billnumber);
  if (!before) return { status: 'failed', code: 'assist_no_order', message: `Assist's order state shows no bill ${billnumber} under order ${orderNumber}` };
  // Everything is back with the payer already (a cancellation in Assist's cabinet, or a refund whose success Tollgate missed).
  if (before.state === 'Canceled') return { status: 'succeeded', code: 'assist_canceled', message: `Assist shows order ${orderNumber} Canceled already` };
  if (before.state !== 'Approved' && before.state !== 'PartialCanceled') return { status: 'failed', code: 'assist_not_refundable', message: `Assist shows order ${orderNumber} ${before.state}: nothing was captured to refund` };
  const recorded = await recordAssistCancel(d.db, {
    idempotency_key: req.idempotencyKey, gateway: d.settings.name, mode: req.mode, billnumber, order_number: orderNumber, amount_minor: req.amountMinor, currency: req.currency, state_before: before.state,
  });
  if (recorded === 'exists') return assistRefund(d, req, origin); // a concurrent try of the same key wrote it first
  // Retried by the refund activity (same key) once the other cancellation of this bill is resolved.
  if (recorded === 'busy') throw new Error(`assist: another cancellation of bill ${billnumber} is unresolved; refund ${req.refundId} waits for it`);
  const answer = await d.client.post(account, ASSIST_PATHS.cancel, fields);
  if (!answer.ok) {
    if (answer.sent) throw new GatewayTimeoutError(answer.detail); // the row stays `sent`: resolved from the order state
    const outcome: RefundOutcome = { status: 'failed', code: 'assist_unreachable', message: answer.detail };
    await settleAssistCancel(d.db, req.idempotencyKey, outcome);
    return outcome;
  }
  const outcome = readCancelAnswer(answer, billnumber);
  await settleAssistCancel(d.db, req.idempotencyKey, outcome);
  return outcome;
}

/** What became of a key: undefined only if it was never sent (no row). */
export async function assistRefundStatus(d: AssistRefundDeps, key: string, mode: GatewayMode, origin: RefundOriginRow | undefined): Promise<RefundOutcome | undefined> {
  const row = await findAssistCancel(d.db, key);
  if (!row) return undefined;
  if (row.mode !== mode) throw new Error(`assist: refund key ${key} was sent in ${row.mode} mode, not ${mode}`);
  return (await resolve(d, row, origin)) ?? stillOpen(row);
}

/** A decided row's outcome, or a send resolved from the order's state now; undefined: still unknown. */
async function resolve(d: AssistRefundDeps, row: AssistCancelRow, origin: RefundOriginRow | undefined): Promise<RefundOutcome | undefined> {
  if (row.status === 'succeeded' || row.status === 'failed') {
    return { status: row.status, gatewayRefundId: row.gateway_refund_id ?? undefined, code: row.code ?? undefined, message: row.message ?? undefined };
  }
  const since = origin?.origin_created_at ?? new Date(row.created_at.getTime() - 31 * 86_400_000);
  const now = (await queryOrders(d.client, d.settings, row.mode, row.order_number, since)).find((o) => o.billnumber === row.billnumber);
  if (!now || !movedByThisCancel(row.state_before, now)) return undefined;
  const outcome: RefundOutcome = { status: 'succeeded', gatewayRefundId: row.gateway_refund_id ?? undefined, code: now.state, message: `Assist shows order ${row.order_number} ${now.state} after the cancellation` };
  await settleAssistCancel(d.db, row.idempotency_key, outcome);
  return outcome;
}

/** Whether the order's state now can only be this (the bill's one unresolved) cancellation's doing. */
export function movedByThisCancel(stateBefore: string, now: Pick<VerifiedOrder, 'state'>): boolean {
  return now.state === 'Canceled' || (now.state === 'PartialCanceled' && stateBefore === 'Approved');
}

function stillOpen(row: AssistCancelRow): RefundOutcome {
  return { status: 'pending', gatewayRefundId: row.gateway_refund_id ?? undefined, code: row.code ?? 'assist_unresolved', message: row.message ?? 'sent to Assist; its outcome is not known yet (never sent again)' };
}
