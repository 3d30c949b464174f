import type { PaymentRow } from '../db/payments.js';
import { html, page } from './html.js';
import { PAYMENT_RESULT_TEXT } from './payment-result-text.js';

/**
 * The page a checkout returns the payer to (the sandbox's, a hosted gateway's): the payment's
 * status and reference only — no name, amount owed elsewhere or anything else of the customer's,
 * since whoever holds the link sees it. A pending payment's page refreshes itself.
 */
export function paymentResultPage(payment: PaymentRow, opts: { againUrl?: string } = {}): string {
  const [title, text] = PAYMENT_RESULT_TEXT[payment.status];
  // Where a payer who can start over (the top-up portal) tries again after a payment that took nothing.
  const again = opts.againUrl && (payment.status === 'failed' || payment.status === 'expired' || payment.status === 'canceled');
  return page(
    title,
    html`<div class="card" role="status"><h1>${title}</h1><p>${text}</p><p class="note">Reference ${payment.reference}</p>${again ? html`<p><a href="${opts.againUrl}">Try again</a></p>` : ''}</div>`,
    payment.status === 'pending' ? { refreshSeconds: 2 } : {},
  );
}

export function paymentNotFoundPage(): string {
  return page('Payment not found', html`<div class="card"><h1>Payment not found</h1><p>This checkout link is not valid.</p></div>`);
}
