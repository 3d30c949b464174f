import type { PaymentRow } from '../../db/payments.js';
import { formatDecimal } from '../../domain/money.js';
import type { GatewaySettings } from '../../gateways/settings.js';
import { html, page } from '../html.js';

type Account = NonNullable<GatewaySettings['account']>;

export function notFoundPage(): string {
  return page('Payment not found', html`<div class="card"><h1>Payment not found</h1><p>This transfer page is not valid.</p></div>`);
}

/** Where to send the money and what reference to write, and whether it has arrived. */
export function transferPage(payment: PaymentRow, account: Account): string {
  const amount = `${formatDecimal({ minor: payment.amount_minor, currency: payment.currency })} ${payment.currency}`;
  const status =
    payment.status === 'pending'
      ? 'Waiting for your transfer. It is confirmed when it appears on our bank statement.'
      : payment.status === 'succeeded'
        ? 'Received — thank you.'
        : `This payment is ${payment.status}.`;
  return page(
    'Bank transfer',
    html`<div class="card">
  <h1>Pay by bank transfer</h1>
  <p>${payment.description || 'Payment'}</p>
  <dl>
    <dt>Amount</dt><dd class="amount">${amount}</dd>
    <dt>Account holder</dt><dd>${account.holder}</dd>
    <dt>IBAN</dt><dd>${account.iban}</dd>
    ${account.bic ? html`<dt>BIC</dt><dd>${account.bic}</dd>` : ''}
    <dt>Reference (write exactly this)</dt><dd><strong>${payment.reference}</strong></dd>
  </dl>
  <p role="status">${status}</p>
  ${payment.return_url ? html`<p><a href="${payment.return_url}">Back to the payment</a></p>` : ''}
</div>`,
  );
}
