import type { GatewayMode, GatewaySettings } from '../settings.js';
import { accountOf } from './checkout.js';
import type { AssistClient, AssistOrderXml } from './client.js';
import { checkvaluesEqual, orderStateCheckvalue } from './checkvalue.js';
import { type AssistOrderState, isAssistOrderState, PAYMENT_VERDICT_FOR_STATE } from './states.js';
import { ASSIST_PATHS } from './servers.js';

/** How far back an order state query looks when Tollgate has no row telling when the order was made. */
export const DEFAULT_LOOK_BACK_MS = 31 * 86_400_000;
/** StartDay is a calendar date in Assist's own time zone, not UTC: a day earlier than the order's creation covers it. */
const START_MARGIN_MS = 86_400_000;

export class AssistAnswerError extends Error {
  override name = 'AssistAnswerError';
}

export interface VerifiedOrder {
  state: AssistOrderState;
  billnumber: string;
  order: AssistOrderXml;
}

/**
 * The orders Assist has under one OrderNumber made since `since` ("Получение статуса заказа",
 * orderstate.cfm, by OrderNumber and a start date), each checked by its checkvalue under the mode's secret word (an
 * answer that is not Assist's cannot mark anything paid). An error answer, a failed call or a
 * wrong checkvalue throws: "not found" must only ever mean that Assist answered with no order, or a
 * charge could be sent twice.
 */
export async function queryOrders(client: AssistClient, s: GatewaySettings, mode: GatewayMode, orderNumber: string, since: Date): Promise<VerifiedOrder[]> {
  const { account, salt } = accountOf(s, mode);
  // From the order's own creation (the payment's or attempt's row), so an old payment's order is still found.
  const start = new Date(since.getTime() - START_MARGIN_MS);
  const answer = await client.post(account, ASSIST_PATHS.orderState, {
    OrderNumber: orderNumber,
    StartYear: String(start.getUTCFullYear()),
    StartMonth: String(start.getUTCMonth() + 1),
    StartDay: String(start.getUTCDate()),
  });
  if (!answer.ok) throw new AssistAnswerError(answer.detail);
  if (answer.firstcode !== '0') throw new AssistAnswerError(`assist orderstate: error ${answer.firstcode}/${answer.secondcode}`);
  const out: VerifiedOrder[] = [];
  for (const o of answer.orders) {
    if (o.ordernumber !== orderNumber) continue;
    const state = o.orderstate ?? '';
    const expected = orderStateCheckvalue(salt, { merchantId: account.merchantId, orderNumber, orderAmount: o.orderamount ?? '', orderCurrency: o.ordercurrency ?? '', orderState: state });
    if (!checkvaluesEqual(expected, o.checkvalue ?? '')) throw new AssistAnswerError(`assist orderstate: order ${orderNumber}'s checkvalue does not match the ${mode} secret word`);
    if (!isAssistOrderState(state)) throw new AssistAnswerError(`assist orderstate: order ${orderNumber} is in an undocumented state "${state}"`);
    out.push({ state, billnumber: o.billnumber ?? '', order: o });
  }
  return out;
}

/** Of several orders under one number (the payer tried again), the one that decides: a success, else one still open, else the last. */
export function decidingOrder(orders: VerifiedOrder[]): VerifiedOrder | undefined {
  return (
    orders.find((o) => PAYMENT_VERDICT_FOR_STATE[o.state] === 'succeeded') ??
    orders.find((o) => PAYMENT_VERDICT_FOR_STATE[o.state] === 'pending') ??
    orders.at(-1)
  );
}
