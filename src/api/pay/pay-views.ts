import { formatDecimal } from '../../domain/money.js';
import type { PaymentLinkRow } from '../../db/payment-links.js';
import type { PaymentRow } from '../../db/payments.js';
import type { PaymentGateway } from '../../gateways/types.js';
import { html, page, type SafeHtml } from '../html.js';
import { PAYMENT_RESULT_TEXT } from '../payment-result-text.js';

/** The payer-facing pages of a payment link. Plain forms and links: no JavaScript needed. */
const money = (minor: bigint, currency: string) => `${formatDecimal({ minor, currency })} ${currency}`;

function card(body: SafeHtml, role?: 'status' | 'alert'): SafeHtml {
  return role ? html`<div class="card" role="${role}">${body}</div>` : html`<div class="card">${body}</div>`;
}

export function payPage(link: PaymentLinkRow, maskedName: string, gateways: PaymentGateway[]): string {
  const action = `/pay/${encodeURIComponent(link.token)}`;
  const buttons = gateways.length
    ? gateways.map(
        (g) => html`<form method="post" action="${action}"><input type="hidden" name="gateway" value="${g.name}"><button class="primary" type="submit" aria-label="Pay now with ${g.settings.label}${g.settings.mode === 'test' ? ' (test mode)' : ''}">Pay now — ${g.settings.label}</button>${g.settings.mode === 'test' ? html`<span class="note test-mode"> Test mode: no real money moves.</span>` : ''}</form>`,
      )
    : [html`<p role="alert">No payment method accepts this amount. Please contact us.</p>`];
  return page(
    'Pay',
    card(html`<h1>Payment</h1>
  <p>${link.description || 'Payment'}</p>
  ${link.invoice_reference ? html`<p class="note">Invoice ${link.invoice_reference}</p>` : ''}
  <p class="amount" aria-label="Amount">${money(link.amount_minor, link.currency)}</p>
  <p class="note">${maskedName ? html`For ${maskedName}. ` : ''}${link.kind === 'balance' ? 'Whole balance. ' : ''}Link valid until ${link.expires_at.toISOString().slice(0, 16).replace('T', ' ')} UTC.</p>
  <div class="buttons">${buttons}</div>`),
  );
}

export function linkClosedPage(kind: 'not_found' | 'expired' | 'paid', link?: PaymentLinkRow): string {
  const texts: Record<typeof kind, [string, string]> = {
    not_found: ['Payment link not found', 'This payment link is not valid. Check the address, or ask for a new link.'],
    expired: ['Payment link expired', `This payment link expired${link ? ` on ${link.expires_at.toISOString().slice(0, 10)}` : ''}. Ask for a new link if you still need to pay.`],
    paid: ['Already paid', 'This payment link has already been paid. Thank you — there is nothing more to do.'],
  };
  const [title, text] = texts[kind];
  return page(title, card(html`<h1>${title}</h1><p>${text}</p>`, 'status'));
}

export function inProgressPage(link: PaymentLinkRow, payment: PaymentRow, checkoutUrl: string | null): string {
  return page(
    'Payment in progress',
    card(
      html`<h1>Payment in progress</h1>
  <p>A payment of ${money(payment.amount_minor, payment.currency)} for this link has been started and is not finished yet.</p>
  ${checkoutUrl ? html`<p><a href="${checkoutUrl}">Continue the payment</a></p>` : ''}
  <p><a href="/pay/${encodeURIComponent(link.token)}/result/${encodeURIComponent(payment.id)}">See its status</a></p>`,
      'status',
    ),
  );
}

export function resultPage(link: PaymentLinkRow, payment: PaymentRow): string {
  const [title, text] = PAYMENT_RESULT_TEXT[payment.status];
  const retry = payment.status === 'failed' || payment.status === 'expired' || payment.status === 'canceled';
  return page(
    title,
    card(
      html`<h1>${title}</h1><p>${text}</p>
  <p class="amount">${money(payment.amount_minor, payment.currency)}</p>
  <p class="note">Reference ${payment.reference}</p>
  ${retry ? html`<p><a href="/pay/${encodeURIComponent(link.token)}">Try again</a></p>` : ''}`,
      payment.status === 'failed' ? 'alert' : 'status',
    ),
    payment.status === 'pending' ? { refreshSeconds: 2 } : {},
  );
}
