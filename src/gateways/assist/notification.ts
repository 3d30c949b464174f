import { z } from 'zod';
import type { GatewayMode, GatewaySettings } from '../settings.js';
import type { CallbackVerdict, RawCallback } from '../types.js';
import { paidOf } from './amounts.js';
import { checkvaluesEqual, notificationCheckvalue } from './checkvalue.js';
import { isAssistOrderState, PAYMENT_VERDICT_FOR_STATE } from './states.js';
import { tokenOf } from './token.js';

/**
 * Assist's payment notification ("Уведомление о платеже", sent to the Result URL set in the
 * merchant's account): an HTTP POST of key=value pairs with lower-case names. Only the fields
 * Tollgate reads are named; the rest (payer, card means, 3-D Secure) are kept in the journal's raw body.
 */
export const AssistNotification = z.object({
  merchant_id: z.string().regex(/^\d{1,20}$/),
  ordernumber: z.string().min(1).max(128),
  billnumber: z.string().regex(/^[0-9.]{1,40}$/),
  amount: z.string().max(32),
  currency: z.string().max(3),
  orderstate: z.string().max(40),
  checkvalue: z.string().max(64),
  testmode: z.string().max(2).optional(),
  packetdate: z.string().max(64).optional(),
  responsecode: z.string().max(16).optional(),
  message: z.string().max(500).optional(),
  cardexpirationdate: z.string().max(16).optional(),
});
export type AssistNotification = z.infer<typeof AssistNotification>;

/** The form's fields; a name given twice keeps its first value (a second one cannot change what was signed). */
export function parseAssistForm(raw: RawCallback): { ok: true; value: Record<string, string> } | { ok: false; detail: string } {
  if (raw.body.trim().startsWith('{') || raw.body.trim().startsWith('<')) return { ok: false, detail: 'the Assist notification is an application/x-www-form-urlencoded form' };
  const value: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw.body)) {
    const name = k.toLowerCase();
    if (!(name in value)) value[name] = v;
  }
  return { ok: true, value };
}

/**
 * Authenticates a notification by its checkvalue under each mode's secret word, for that mode's
 * Merchant_ID; the mode that signed it is the one it is for (a test payment is never confirmed by
 * a production notification: the Assist seed's warning). A `testmode` flag that contradicts the
 * signing mode is refused too. One-time payments are named by their OrderNumber (Tollgate's
 * payment id); a recurring order's notification repeats what rp.cfm already answered (or a status
 * query will tell), so it is journaled as ignored.
 */
export function verifyAssistNotification(s: GatewaySettings, form: unknown): CallbackVerdict {
  const parsed = AssistNotification.safeParse(form);
  if (!parsed.success) {
    return { ok: false, reason: 'schema', detail: 'the notification lacks fields Assist sends', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  const n = parsed.data;
  let signedMode: GatewayMode | undefined;
  for (const mode of ['test', 'live'] as const) {
    const account = s.assist?.accounts[mode];
    const salt = s.secrets[mode];
    if (!account || !salt || account.merchantId !== n.merchant_id) continue;
    const expected = notificationCheckvalue(salt, { merchantId: n.merchant_id, orderNumber: n.ordernumber, amount: n.amount, currency: n.currency, orderState: n.orderstate });
    if (checkvaluesEqual(expected, n.checkvalue)) signedMode = mode;
  }
  if (!signedMode) return { ok: false, reason: 'signature', detail: `no ${s.name} account with Merchant_ID ${n.merchant_id} computes this checkvalue` };
  const eventId = `${n.billnumber}:${n.orderstate}`;
  if (n.testmode !== undefined && (n.testmode === '1') !== (signedMode === 'test')) {
    // Authentic (the checkvalue matched), but a test transaction on the live account (its test mode
    // switched on) moves no money: it must mark nothing paid. Refused, Assist would send it again
    // for ever; journaled ignored and answered as taken, it stops.
    return { ok: true, signedMode, message: { kind: 'ignored', eventId, why: `testmode=${n.testmode}, but the ${signedMode} account's secret word signed it: a test transaction moves no money` } };
  }
  if (!isAssistOrderState(n.orderstate)) return { ok: true, signedMode, message: { kind: 'ignored', eventId, why: `order state "${n.orderstate}" is not one Assist documents` } };
  if (!n.ordernumber.startsWith('pay_')) {
    return { ok: true, signedMode, message: { kind: 'ignored', eventId, why: `order ${n.ordernumber} is a recurring charge: its outcome is rp.cfm's answer or a status query's` } };
  }
  const verdict = PAYMENT_VERDICT_FOR_STATE[n.orderstate];
  if (verdict === 'pending') return { ok: true, signedMode, message: { kind: 'ignored', eventId, why: `order state "${n.orderstate}" is not final` } };
  return {
    ok: true,
    signedMode,
    message: {
      kind: 'payment',
      eventId,
      paymentId: n.ordernumber,
      outcome: {
        status: verdict,
        gatewayTransactionId: n.billnumber,
        code: n.responsecode ?? n.orderstate,
        message: n.message ?? n.orderstate,
        ...(verdict === 'succeeded' ? { paymentMethodToken: tokenOf(n.billnumber), paymentMethodExpires: expiryOf(n.cardexpirationdate), ...paidOf(n.amount, n.currency) } : {}),
      },
    },
  };
}

/** cardexpirationdate as MM/YY or MM/YYYY, when it is one. */
function expiryOf(text: string | undefined): string | undefined {
  const m = /^(\d{2})\/(\d{2}|\d{4})$/.exec(text?.trim() ?? '');
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) return undefined;
  return `${m[2]?.length === 2 ? `20${m[2]}` : m[2]}-${m[1]}`;
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The answer Assist expects: <pushpaymentresult firstcode="0" secondcode="0"> with the order's
 * billnumber and packetdate when the notification is taken; until then Assist sends it again. A
 * refusal answers a non-zero firstcode (1) with Tollgate's HTTP status as secondcode.
 */
export function assistAnswer(raw: RawCallback, verdict: { taken: true } | { taken: false; status: number; code: string }): { contentType: string; body: string } {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (!verdict.taken) return { contentType: 'application/xml', body: `${head}<pushpaymentresult firstcode="1" secondcode="${verdict.status}"/>\n` };
  const form = parseAssistForm(raw);
  const get = (k: string) => (form.ok ? form.value[k] ?? '' : '');
  return {
    contentType: 'application/xml',
    body: `${head}<pushpaymentresult firstcode="0" secondcode="0"><order><billnumber>${xml(get('billnumber'))}</billnumber><packetdate>${xml(get('packetdate'))}</packetdate></order></pushpaymentresult>\n`,
  };
}
