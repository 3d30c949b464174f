import type { GatewaySettings } from '../settings.js';
import { type ChargeRequest, type ChargeResult, ChargeUndecidedError, GatewayTimeoutError } from '../types.js';
import { AssistAmountError, toAssistAmount } from './amounts.js';
import { accountOf } from './checkout.js';
import type { AssistClient } from './client.js';
import { decidingOrder, queryOrders } from './order-state.js';
import { ASSIST_PATHS } from './servers.js';
import { assistDeclineOutcome } from './response-codes.js';
import { type AssistOrderState, CHARGE_VERDICT_FOR_STATE, isAssistOrderState } from './states.js';
import { billnumberOf } from './token.js';

/**
 * A recurring charge: rp.cfm with the first payment's BillNumber, a new OrderNumber, Amount and
 * Currency ("Recurring payments", https://docs.assist.ru/plugins/viewsource/viewpagesrc.action?pageId=20447234:
 * the amount within the first payment's RecurringMin/MaxAmount, its currency). The OrderNumber is
 * Tollgate's attempt key, so a lost answer is found again by orderstate.cfm under that key
 * (chargeStatus) and never sent a second time (DESIGN rule 3). Merchants should also have Assist
 * check order numbers for uniqueness, so that even a repeat is refused rather than charged.
 */
export async function assistCharge(client: AssistClient, s: GatewaySettings, req: ChargeRequest, now: Date): Promise<ChargeResult> {
  const { account } = accountOf(s, req.mode); // GatewayModeUnavailableError: charged in no other mode
  const bill = billnumberOf(req.token);
  if (!bill) return { outcome: 'hard_decline', code: 'tollgate_token', message: 'the stored payment method is not an Assist bill number (assist_bill:…)' };
  let amount: string;
  try {
    amount = toAssistAmount(req.amountMinor, req.currency);
  } catch (err) {
    if (err instanceof AssistAmountError) return { outcome: 'technical_error', code: 'tollgate_amount', message: err.message };
    throw err;
  }
  const answer = await client.post(account, ASSIST_PATHS.recurrent, { BillNumber: bill, OrderNumber: req.idempotencyKey, Amount: amount, Currency: req.currency });
  if (!answer.ok) {
    if (answer.sent) throw new GatewayTimeoutError(answer.detail);
    return { outcome: 'technical_error', code: 'assist_unreachable', message: answer.detail };
  }
  if (answer.firstcode !== '0') {
    // A refusal may be Assist's "order number not unique" for an order it has under this key (a
    // concurrent try): that order's own state is the answer, never a new order.
    const known = decidingOrder(await queryOrders(client, s, req.mode, req.idempotencyKey, now));
    if (known) return resultOf(known.state, known.billnumber, known.order.responsecode, known.order.message, req.idempotencyKey);
    // Otherwise the refusal (credentials, a bill that allows no recurring charge, an amount outside
    // its range) charged nothing: charge() is only called for a key never sent before (the charge
    // activity asks chargeStatus about any other). Which codes are final Assist's answer does not
    // say, so none stops the subscription by itself.
    return { outcome: 'technical_error', code: `assist_${answer.firstcode}_${answer.secondcode}`, message: `Assist refused the recurring payment (error ${answer.firstcode}/${answer.secondcode})` };
  }
  const order = answer.orders.find((o) => o.ordernumber === req.idempotencyKey) ?? answer.orders[0];
  const state = order?.orderstate ?? '';
  if (!order || !isAssistOrderState(state)) throw new GatewayTimeoutError(`assist rp.cfm: an answer without a known order state for ${req.idempotencyKey}`);
  return resultOf(state, order.billnumber ?? '', order.responsecode, order.message, req.idempotencyKey);
}

/**
 * What became of the recurring order under this attempt key. Asked only about a key that may have
 * been sent (the charge activity asks about a row it did not write itself), and "no order" does
 * not prove the key was never sent: orderstate.cfm may not show a fresh order yet, and Assist
 * takes a second order under the same OrderNumber unless the merchant has it check uniqueness.
 * So no order is undecided — the key is asked about again later, never sent again (DESIGN rule 3);
 * it stays an `unknown` attempt for an operator until Assist shows the order.
 */
export async function assistChargeStatus(client: AssistClient, s: GatewaySettings, key: string, mode: ChargeRequest['mode'], since: Date): Promise<ChargeResult> {
  const order = decidingOrder(await queryOrders(client, s, mode, key, since));
  if (!order) throw new ChargeUndecidedError(`assist: orderstate shows no order ${key} yet; a charge that may have been sent is asked about again, never sent again`);
  return resultOf(order.state, order.billnumber, order.order.responsecode, order.order.message, key);
}

function resultOf(state: AssistOrderState, billnumber: string, code: string | undefined, message: string | undefined, key: string): ChargeResult {
  const verdict = CHARGE_VERDICT_FOR_STATE[state];
  if (verdict === 'undecided') throw new ChargeUndecidedError(`assist: recurring order ${key} is "${state}", not decided yet`);
  // A Declined order's responsecode says whether the card will work again (wrong number, expired, fraud: hard).
  const outcome = state === 'Declined' ? assistDeclineOutcome(code) : verdict;
  return { outcome, code: code || state, message: message || state, transactionId: billnumber || undefined };
}
