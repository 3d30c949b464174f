import { type ChargeRequest, type ChargeResult, ChargeUndecidedError } from '../types.js';
import { toSubtotalP, UnitellerAmountError } from './amounts.js';
import { parseCsv, postForm, recordsWithHeader, throwIfError, UnitellerRefusal } from './client.js';
import type { UnitellerShop } from './credentials.js';
import { endpointUrl } from './endpoints.js';
import { isOrderId, parentOrderOf } from './orders.js';
import { type OrderResult, queryOrder } from './results.js';
import { recurrentSignature } from './signature.js';
import { unitellerDeclineOutcome } from './response-codes.js';
import { CHARGE_OUTCOME_FOR_STATUS, unitellerStatus } from './statuses.js';

/**
 * A recurring charge (manual, "Рекуррентные платежи", POST /recurrent/): a new order of the shop,
 * its Order_IDP the attempt's idempotency key, naming the first payment as Parent_Order_IDP. The
 * answer is CSV: a line of field names and a line of values (OrderNumber, Status, BillNumber,
 * Response_Code, Recommendation, …), or ErrorCode;ErrorMessage when the request is refused.
 */
export async function chargeRecurrent(shop: UnitellerShop, req: ChargeRequest): Promise<ChargeResult> {
  const parent = parentOrderOf(req.token);
  if (!parent) return { outcome: 'hard_decline', code: 'tollgate_token', message: 'the stored payment method is not the order of a Uniteller first payment (…:recurrent)' };
  if (!isOrderId(req.idempotencyKey)) return { outcome: 'technical_error', code: 'tollgate_order_id', message: 'the idempotency key cannot be a Uniteller Order_IDP' };
  let subtotal: string;
  try {
    subtotal = toSubtotalP(req.amountMinor, req.currency);
  } catch (err) {
    if (err instanceof UnitellerAmountError) return { outcome: 'technical_error', code: 'tollgate_amount', message: err.message };
    throw err;
  }
  const signed = { Shop_IDP: shop.shopIdp, Order_IDP: req.idempotencyKey, Subtotal_P: subtotal, Parent_Order_IDP: parent };
  const text = await postForm(endpointUrl(shop.base, 'recurrent'), { ...signed, Currency: req.currency, Signature: recurrentSignature(signed, shop.password) }, 'the recurring payment request');
  const rows = parseCsv(text);
  try {
    throwIfError(rows);
  } catch (err) {
    if (!(err instanceof UnitellerRefusal)) throw err;
    // Refused — but an order by this number may exist (a concurrent try's order, refused as a
    // duplicate): its own state is the answer, never a new order. Not found, the refusal charged
    // nothing: charge() only gets a key never sent before (the charge activity asks
    // recurrentStatus about any other, and there "not found" is undecided).
    const known = await queryOrder(shop, req.idempotencyKey);
    if (known) return resultOfOrder(known);
    return { outcome: 'soft_decline', code: `uniteller_${err.code}`.slice(0, 100), message: err.message.slice(0, 500) };
  }
  const record = recordsWithHeader(rows)[0];
  const status = unitellerStatus(record?.Status ?? '');
  if (!record || !status) {
    // An answer Tollgate cannot read may still be a charge: ask about the order, as for a lost answer.
    const known = await queryOrder(shop, req.idempotencyKey);
    if (!known) throw new ChargeUndecidedError(`uniteller: the recurring answer for ${req.idempotencyKey} could not be read and the order is not known yet`);
    return resultOfOrder(known);
  }
  return resultOfOrder({
    orderNumber: record.OrderNumber || req.idempotencyKey,
    status,
    total: record.Total ?? '',
    billNumber: record.BillNumber ?? '',
    responseCode: record.Response_Code ?? '',
    recommendation: record.Recommendation ?? '',
  });
}

/**
 * The charge made as this order. Asked only about a key that may have been sent (the charge
 * activity asks about a row it did not write itself); the results request may not show a fresh
 * order yet, and a repeat of the key is refused as a duplicate, so "no order" is undecided: asked
 * again later, never sent again (DESIGN rule 3). The attempt stays `unknown` for an operator
 * until Uniteller shows the order.
 */
export async function recurrentStatus(shop: UnitellerShop, idempotencyKey: string): Promise<ChargeResult> {
  const known = await queryOrder(shop, idempotencyKey);
  if (!known) throw new ChargeUndecidedError(`uniteller: the results request shows no order ${idempotencyKey} yet; a charge that may have been sent is asked about again, never sent again`);
  return resultOfOrder(known);
}

function resultOfOrder(o: OrderResult): ChargeResult {
  const byStatus = CHARGE_OUTCOME_FOR_STATUS[o.status];
  // Uniteller has the order and has not decided it: asked again later, never sent again.
  if (byStatus === 'undecided') throw new ChargeUndecidedError(`uniteller: order ${o.orderNumber} is ${o.status}`);
  // A declined order's Response_Code says whether the card will work again (lost, expired, closed: hard).
  const outcome = o.status === 'not authorized' ? unitellerDeclineOutcome(o.responseCode) : byStatus;
  return {
    outcome,
    code: (o.responseCode || o.status).slice(0, 100),
    message: (o.recommendation || `Uniteller order ${o.status}`).slice(0, 500),
    transactionId: o.billNumber || o.orderNumber,
    // The order number is the attempt's intent id: a notification about the order finds the attempt by it.
    ids: { intentId: o.orderNumber },
  };
}
