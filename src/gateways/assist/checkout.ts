import type { GatewayMode, GatewaySettings } from '../settings.js';
import { type CheckoutStart, GatewayModeUnavailableError, type PaymentForCheckout } from '../types.js';
import { toAssistAmount } from './amounts.js';
import { formCheckvalue } from './checkvalue.js';
import { ASSIST_PATHS } from './servers.js';

/** The account and secret word of one mode, or GatewayModeUnavailableError: a mode never borrows the other's. */
export function accountOf(s: GatewaySettings, mode: GatewayMode) {
  const account = s.assist?.accounts[mode];
  const salt = s.secrets[mode];
  if (!account || !salt) throw new GatewayModeUnavailableError(`gateway "${s.name}" has no ${mode}-mode Assist account (Merchant_ID, login, password and secret word)`);
  return { account, salt };
}

/** dd.mm.yyyy, the date format of RecurringMaxDate. */
function assistDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
}

/**
 * The hosted payment form: the payer's browser is sent to order.cfm on the server of the mode the
 * payment started in, with the order's fields and their Checkvalue ("Authorization request";
 * parameter names and limits from its table). The fields go in the query string, as the public
 * Assist integrations that build a payment link do; Tollgate's payment id is the OrderNumber, so
 * notifications and status queries name the payment. A first payment that may store the card
 * asks for recurring payments (RecurringIndicator=1 with the range of amounts, the period in days
 * and the last date: "Recurring payments", pageId=20447234); only the bill number it gets is kept.
 */
export function startAssistCheckout(s: GatewaySettings, payment: PaymentForCheckout, now: Date): CheckoutStart {
  const { account, salt } = accountOf(s, payment.mode);
  const orderAmount = toAssistAmount(payment.amountMinor, payment.currency);
  const fields: Record<string, string> = {
    Merchant_ID: account.merchantId,
    OrderNumber: payment.id,
    OrderAmount: orderAmount,
    OrderCurrency: payment.currency,
    OrderComment: payment.description.slice(0, 255),
    Delay: '0',
    URL_RETURN_OK: payment.returnUrl,
    URL_RETURN_NO: payment.returnUrl,
  };
  if (payment.customer?.email) fields.Email = payment.customer.email.slice(0, 128);
  const a = s.assist;
  if (payment.saveCard && s.recurring && a) {
    fields.RecurringIndicator = '1';
    fields.RecurringMinAmount = toAssistAmount(s.recurring.minAmount, payment.currency);
    fields.RecurringMaxAmount = toAssistAmount(s.recurring.maxAmount > 10n ** 14n ? 10n ** 14n : s.recurring.maxAmount, payment.currency);
    fields.RecurringPeriod = String(a.recurringPeriodDays);
    fields.RecurringMaxDate = assistDate(new Date(now.getTime() + a.recurringMaxDays * 86_400_000));
  }
  fields.Checkvalue = formCheckvalue(salt, { merchantId: account.merchantId, orderNumber: payment.id, orderAmount, orderCurrency: payment.currency });
  return { url: `${account.base}${ASSIST_PATHS.order}?${new URLSearchParams(fields).toString()}`, ids: {} };
}
