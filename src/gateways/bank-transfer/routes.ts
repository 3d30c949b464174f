import { Hono } from 'hono';
import type { AppEnv } from '../../api/env.js';
import { html, page } from '../../api/html.js';
import { findPayment } from '../../db/payments.js';
import { formatDecimal } from '../../domain/money.js';

/** What a payer who chose bank transfer sees: where to send the money and what reference to write. */
export function bankTransferRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/bank-transfer/:paymentId', async (c) => {
    const deps = c.get('deps');
    const payment = await findPayment(deps.pool, c.req.param('paymentId'));
    const account = payment ? deps.gateways.get(payment.gateway)?.settings.account : undefined;
    if (!payment || payment.adapter !== 'bank_transfer' || !account) {
      return c.html(page('Payment not found', html`<div class="card"><h1>Payment not found</h1><p>This transfer page is not valid.</p></div>`), 404);
    }
    const amount = `${formatDecimal({ minor: payment.amount_minor, currency: payment.currency })} ${payment.currency}`;
    const status =
      payment.status === 'pending'
        ? 'Waiting for your transfer. It is confirmed when it appears on our bank statement.'
        : payment.status === 'succeeded'
          ? 'Received — thank you.'
          : `This payment is ${payment.status}.`;
    return c.html(
      page(
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
      ),
    );
  });
  return app;
}
