import type { PaymentRow } from '../../db/payments.js';
import { formatDecimal } from '../../domain/money.js';
import { html, page } from '../html.js';

/** What a payer sees at the sandbox's pretend card processor. Works without JavaScript. */
export function checkoutPage(payment: PaymentRow): string {
  const amount = `${formatDecimal({ minor: payment.amount_minor, currency: payment.currency })} ${payment.currency}`;
  const action = `/sandbox/checkout/${encodeURIComponent(payment.id)}`;
  return page(
    'Sandbox checkout',
    html`<div class="card">
  <h1>Sandbox checkout</h1>
  <p class="note">Test gateway — no real money moves. ${payment.gateway}, ${payment.mode} mode.</p>
  <p>${payment.description || 'Payment'}</p>
  <p class="amount" aria-label="Amount">${amount}</p>
  <p class="note">Reference ${payment.reference}</p>
  <form method="post" action="${action}/approve" style="display:inline"><button class="primary" type="submit">Approve</button></form>
  <form method="post" action="${action}/decline" style="display:inline"><button type="submit">Decline</button></form>
  <details><summary>Simulate a lost callback</summary>
  <p class="note">The processor approves but its callback never reaches Tollgate; the payment learns the outcome from its status query.</p>
  <form method="post" action="${action}/approve-silently"><button type="submit">Approve without callback</button></form>
  </details>
</div>`,
  );
}

/** The sandbox's pages for an unknown payment and for its outcome are every checkout's. */
export { paymentNotFoundPage as notFoundPage, paymentResultPage as resultPage } from '../payment-result-page.js';
