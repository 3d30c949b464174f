import type { EventRow } from '../db/events.js';
import type { NewNotification } from '../db/notifications.js';
import { CHARGE_OUTCOMES, type ChargeOutcome, customerMustAct } from '../domain/subscription.js';
import {
  answeredAttempts,
  findEmailRecipient,
  findPaymentForEmail,
  findSubscriptionForEmail,
  lastAttemptAmount,
  openPeriodLink,
  type SubscriptionForEmail,
} from '../db/notification-reads.js';
import { escapeHtml } from './render.js';
import { integer, minor, optionalText, text } from './event-fields.js';
import { formatAmount, formatCardExpiry, formatDate, formatDateTime } from './format.js';
import type { NotificationRule, NotificationRules, RuleContext } from './rules.js';
import type { CustomerNotificationType, NotificationLocale } from './types.js';
import { CHARGE_FAILED_NEXT, PAY_BUTTON, phrase, stoppedReasonWords, TEMPORARY_CONFIRMATION } from './wording.js';

/**
 * Customer e-mails by event type (issue 12 §3). Each is sent only when its type is in
 * CUSTOMER_EMAILS and the customer has an address (the customer's own, else the one typed on the
 * payment's link); in the customer's locale; at most once per event (dedupe `<type>:<event id>`).
 * Data is what the template shows: amounts, references, dates — never a card token or a secret.
 */

interface Addressed {
  customerId: string;
  recipients: string[];
  locale: NotificationLocale;
  name: string;
}

async function addressee(ctx: RuleContext, type: CustomerNotificationType, customerId: string, paymentId?: string | null): Promise<Addressed | undefined> {
  if (!ctx.config.CUSTOMER_EMAILS.includes(type)) return undefined;
  const r = await findEmailRecipient(ctx.tx, customerId, paymentId);
  if (!r?.email) return undefined;
  return { customerId: r.customer_id, recipients: [r.email], locale: r.locale, name: r.name };
}

function notification(type: CustomerNotificationType, event: EventRow, to: Addressed, data: Record<string, unknown>): NewNotification[] {
  return [{
    audience: 'customer', type, customerId: to.customerId, eventId: event.id, dedupeKey: `${type}:${event.id}`,
    recipients: to.recipients, locale: to.locale, data: { customer_name: to.name, ...data },
  }];
}

const paymentReceived: NotificationRule = async (event, ctx) => {
  const paymentId = text(event, 'payment_id');
  const to = await addressee(ctx, 'payment_received', text(event, 'customer_id'), paymentId);
  const payment = to && (await findPaymentForEmail(ctx.tx, paymentId));
  if (!to || !payment) return [];
  const tz = ctx.config.EMAIL_TIME_ZONE;
  return notification('payment_received', event, to, {
    amount: formatAmount(payment.amount_minor, payment.currency, to.locale),
    reference: payment.reference,
    gateway: payment.gateway,
    date: formatDateTime(payment.completed_at ?? event.created_at, to.locale, tz),
    // The payer's own words from the link or the API; the template escapes them in HTML.
    description: payment.description === '' ? '—' : payment.description,
  });
};

/** What a charge_failed e-mail says comes next: pay on the period's link, the next try's date, get in touch, or see to the card. */
type ChargeFailedNext = { kind: 'confirm'; url: string; by: Date } | { kind: 'retry'; at: string } | { kind: 'contact' } | { kind: 'declined' };

/** Declines mailed on their own attempt's event; a hard decline stops the subscription, and subscription_stopped says so. */
const ATTEMPT_DECLINES_MAILED: readonly ChargeOutcome[] = ['soft_decline'];
const isOutcome = (v: string): v is ChargeOutcome => (CHARGE_OUTCOMES as readonly string[]).includes(v);

/**
 * charge_failed tells the customer when they must act: their bank declined (funds, another card)
 * or asks them to confirm the payment (SCA). A technical error or an unknown outcome is Tollgate's
 * to retry or resolve, and says nothing to the customer. subscription.past_due is written once,
 * when a period first fails: it mails unless that first failure was technical. A decline that
 * comes later in the period, after technical errors only, mails on its own charge_failed event;
 * every other decline of the period was mailed already (a final one mails subscription_stopped).
 */
const chargeFailed: NotificationRule = async (event, ctx) => {
  const subscription = await findSubscriptionForEmail(ctx.tx, text(event, 'subscription_id'));
  const to = subscription && (await addressee(ctx, 'charge_failed', subscription.customer_id));
  if (!subscription || !to) return [];
  const period = integer(event, 'period');
  // The SCA case writes the period's link in the same transaction as this event: the customer
  // pays there. A plain decline has no page to pay or change the card on, so the e-mail says when
  // the next try is and asks the customer to get in touch — it does not invent a link.
  const link = await openPeriodLink(ctx.tx, subscription.id, period);
  if (!link) {
    // The attempt that made the period past due: the last one answered before this event's
    // transaction (a later retry may have been answered by the time the fan-out reads).
    const cause = (await answeredAttempts(ctx.tx, subscription.id, period)).filter((a) => a.completed_at.getTime() <= event.created_at.getTime()).at(-1);
    if (cause && !customerMustAct(cause.outcome)) return [];
  }
  const retryAt = optionalText(event, 'retry_at');
  const next: ChargeFailedNext = link ? { kind: 'confirm', url: `${ctx.config.publicBaseUrl}/pay/${link.token}`, by: link.expires_at } : retryAt ? { kind: 'retry', at: retryAt } : { kind: 'contact' };
  return chargeFailedEmail(event, ctx, subscription, to, period, next);
};

/** A decline after only technical errors in its period: the past_due of that period mailed nothing, so this attempt does. */
const declinedAfterErrors: NotificationRule = async (event, ctx) => {
  const outcome = text(event, 'outcome');
  if (!isOutcome(outcome) || ATTEMPT_DECLINES_MAILED.indexOf(outcome) < 0) return [];
  const period = integer(event, 'period');
  const attempt = integer(event, 'attempt');
  const subscription = await findSubscriptionForEmail(ctx.tx, text(event, 'subscription_id'));
  const to = subscription && (await addressee(ctx, 'charge_failed', subscription.customer_id));
  if (!subscription || !to) return [];
  const earlier = (await answeredAttempts(ctx.tx, subscription.id, period)).filter((a) => a.attempt < attempt);
  // The period's first failure is past_due's to mail; one after a decline was mailed then.
  if (earlier.length === 0 || earlier.some((a) => customerMustAct(a.outcome))) return [];
  return chargeFailedEmail(event, ctx, subscription, to, period, { kind: 'declined' });
};

async function chargeFailedEmail(
  event: EventRow,
  ctx: RuleContext,
  subscription: SubscriptionForEmail,
  to: Addressed,
  period: number,
  next: ChargeFailedNext,
): Promise<NewNotification[]> {
  const asked = (await lastAttemptAmount(ctx.tx, subscription.id, period)) ?? subscription;
  const tz = subscription.time_zone;
  let nextStep: string;
  let actionText = '';
  let actionHtml = '';
  if (next.kind === 'confirm') {
    nextStep = phrase(CHARGE_FAILED_NEXT.confirm[to.locale], { date: formatDateTime(next.by, to.locale, tz) });
    // The text part's own paragraph (the template puts it straight after next_step, so none leaves a gap).
    actionText = `\n\n${PAY_BUTTON[to.locale]}: ${next.url}`;
    // The button, and the address as text for mail clients that do not show buttons.
    actionHtml = `<p style="margin:24px 0 8px"><a href="${escapeHtml(next.url)}" style="background:#1a56db;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold">${escapeHtml(PAY_BUTTON[to.locale])}</a></p>`
      + `<p style="margin:0 0 16px;font-size:13px;color:#6b7280;word-break:break-all">${escapeHtml(next.url)}</p>`;
  } else if (next.kind === 'retry') {
    nextStep = phrase(CHARGE_FAILED_NEXT.retry[to.locale], { date: formatDateTime(next.at, to.locale, tz) });
  } else {
    nextStep = CHARGE_FAILED_NEXT[next.kind][to.locale];
  }
  return notification('charge_failed', event, to, {
    amount: formatAmount(asked.amount_minor, asked.currency, to.locale),
    subscription_id: subscription.id,
    date: formatDateTime(event.created_at, to.locale, tz),
    next_step: nextStep,
    action_text: actionText,
    action_html: actionHtml,
  });
}

const cardExpiring: NotificationRule = async (event, ctx) => {
  const subscription = await findSubscriptionForEmail(ctx.tx, text(event, 'subscription_id'));
  const to = subscription && (await addressee(ctx, 'card_expiring', subscription.customer_id));
  if (!subscription || !to) return [];
  const expires = optionalText(event, 'expires') ?? '';
  const next = optionalText(event, 'next_charge_at');
  return notification('card_expiring', event, to, {
    expires: formatCardExpiry(expires),
    amount: formatAmount(subscription.amount_minor, subscription.currency, to.locale),
    next_charge_date: next ? formatDate(next, to.locale, subscription.time_zone) : formatCardExpiry(expires),
    subscription_id: subscription.id,
  });
};

const subscriptionStopped: NotificationRule = async (event, ctx) => {
  const subscription = await findSubscriptionForEmail(ctx.tx, text(event, 'subscription_id'));
  const to = subscription && (await addressee(ctx, 'subscription_stopped', subscription.customer_id));
  if (!subscription || !to) return [];
  return notification('subscription_stopped', event, to, {
    subscription_id: subscription.id,
    amount: formatAmount(subscription.amount_minor, subscription.currency, to.locale),
    reason: stoppedReasonWords(text(event, 'reason'), to.locale),
    date: formatDateTime(event.created_at, to.locale, subscription.time_zone),
  });
};

// refund.succeeded, not payment.refunded: one e-mail per refund, also for a refund of a
// subscription's charge or of a late success (which write no payment.refunded).
const refundMade: NotificationRule = async (event, ctx) => {
  const paymentId = optionalText(event, 'payment_id');
  const to = await addressee(ctx, 'refund_made', text(event, 'customer_id'), paymentId);
  if (!to) return [];
  const payment = paymentId ? await findPaymentForEmail(ctx.tx, paymentId) : undefined;
  return notification('refund_made', event, to, {
    amount: formatAmount(minor(event, 'amount'), text(event, 'currency'), to.locale),
    reference: payment?.reference ?? text(event, 'refund_id'),
    gateway: text(event, 'gateway'),
    date: formatDateTime(event.created_at, to.locale, ctx.config.EMAIL_TIME_ZONE),
  });
};

const temporaryPaymentCreated: NotificationRule = async (event, ctx) => {
  const to = await addressee(ctx, 'temporary_payment_created', text(event, 'customer_id'), text(event, 'payment_id'));
  if (!to) return [];
  const tz = ctx.config.EMAIL_TIME_ZONE;
  const expiresAt = optionalText(event, 'expires_at');
  return notification('temporary_payment_created', event, to, {
    amount: formatAmount(minor(event, 'amount'), text(event, 'currency'), to.locale),
    reference: text(event, 'reference'),
    date: formatDateTime(event.created_at, to.locale, tz),
    confirmation: expiresAt
      ? phrase(TEMPORARY_CONFIRMATION.by_date[to.locale], { date: formatDate(expiresAt, to.locale, tz) })
      : TEMPORARY_CONFIRMATION.no_deadline[to.locale],
  });
};

export const customerRules: NotificationRules = {
  'payment.succeeded': [paymentReceived],
  'subscription.past_due': [chargeFailed],
  'subscription.charge_failed': [declinedAfterErrors],
  'card.expiring': [cardExpiring],
  'subscription.stopped': [subscriptionStopped],
  'refund.succeeded': [refundMade],
  'temporary_payment.created': [temporaryPaymentCreated],
};
