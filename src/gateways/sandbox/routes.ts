import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { html, page } from '../../api/html.js';
import { PAYMENT_RESULT_TEXT } from '../../api/payment-result-text.js';
import type { AppEnv } from '../../api/env.js';
import { findPayment, type PaymentRow } from '../../db/payments.js';
import { formatDecimal, toJsonMinor } from '../../domain/money.js';
import { requireScope } from '../../api/middleware/auth.js';
import { recordCheckout, type SandboxCheckoutRow } from './checkouts.js';
import { listBookings } from './ledger.js';
import { paymentWorkflowId } from '../../temporal/workflow-ids.js';
import { webhookHeaders } from '../standard-webhooks.js';
import type { SandboxCallbackBody } from './messages.js';

/**
 * The sandbox's hosted checkout: what a payer sees at a card processor. Approve or Decline makes
 * the pretend processor send a signed callback to Tollgate, as a real one would, then shows the
 * result. Works without JavaScript.
 */
export function sandboxCheckoutRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/sandbox/checkout/:paymentId', async (c) => {
    const payment = await findPayment(c.get('deps').pool, c.req.param('paymentId'));
    if (!payment || payment.adapter !== 'sandbox') return c.html(notFoundPage(), 404);
    if (payment.status !== 'pending') return c.html(resultPage(payment), 200);
    const amount = `${formatDecimal({ minor: payment.amount_minor, currency: payment.currency })} ${payment.currency}`;
    const action = `/sandbox/checkout/${encodeURIComponent(payment.id)}`;
    return c.html(
      page(
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
      ),
    );
  });

  for (const verdict of ['approve', 'decline', 'approve-silently'] as const) {
    app.post(`/sandbox/checkout/:paymentId/${verdict}`, async (c) => {
      const deps = c.get('deps');
      const payment = await findPayment(deps.pool, c.req.param('paymentId'));
      if (!payment || payment.adapter !== 'sandbox') return c.html(notFoundPage(), 404);
      if (payment.status === 'pending') {
        const approved = verdict !== 'decline';
        const sendCallback = verdict !== 'approve-silently';
        const booked = await recordCheckout(deps.pool, {
          payment_id: payment.id,
          outcome: approved ? 'succeeded' : 'failed',
          code: approved ? '00' : '05',
          message: approved ? 'Approved' : 'Do not honour (declined on the sandbox page)',
          transaction_id: `sbx_txn_${randomUUID()}`,
          callback_sent: sendCallback,
        });
        if (sendCallback) {
          const delivered = await sendSignedCallback(c, payment, booked);
          if (delivered) await waitForOutcome(deps, payment.id);
        }
      }
      return c.redirect(payment.return_url ?? `/sandbox/checkout/${encodeURIComponent(payment.id)}/result`, 303);
    });
  }

  // The pretend bank's books, so a test or a person can count what really reached it.
  app.get('/sandbox/ledger', requireScope('read'), async (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 1000) || 1000, 10_000);
    const rows = await listBookings(c.get('deps').pool, { keyPrefix: c.req.query('key_prefix'), limit });
    return c.json({
      data: rows.map((r) => ({
        idempotency_key: r.idempotency_key,
        token: r.token,
        amount: toJsonMinor(r.amount_minor),
        currency: r.currency,
        outcome: r.outcome,
        code: r.code,
        message: r.message,
        transaction_id: r.transaction_id,
        mode: r.mode,
        created_at: r.created_at.toISOString(),
      })),
    });
  });

  app.get('/sandbox/checkout/:paymentId/result', async (c) => {
    const payment = await findPayment(c.get('deps').pool, c.req.param('paymentId'));
    if (!payment || payment.adapter !== 'sandbox') return c.html(notFoundPage(), 404);
    return c.html(resultPage(payment), 200);
  });

  return app;
}

/**
 * What the pretend processor does after a verdict: posts a callback signed with the secret of the
 * mode the payment started in (a processor's test and live accounts are different accounts).
 */
async function sendSignedCallback(c: Context<AppEnv>, payment: PaymentRow, booked: SandboxCheckoutRow): Promise<boolean> {
  const deps = c.get('deps');
  const secret = deps.gateways.get(payment.gateway)?.settings.secrets[payment.mode];
  if (!secret) {
    c.get('log').error({ gateway: payment.gateway, mode: payment.mode }, 'sandbox has no secret for this mode; no callback sent');
    return false;
  }
  const body: SandboxCallbackBody = {
    type: booked.outcome === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
    data: {
      payment_id: payment.id,
      transaction_id: booked.transaction_id,
      code: booked.code,
      message: booked.message,
      ...(booked.outcome === 'succeeded' ? { card_token: 'sandbox_approve' } : {}),
    },
  };
  const text = JSON.stringify(body);
  const headers = webhookHeaders(secret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), text);
  const url = deps.config.sandboxCallbackUrl.replace('{gateway}', encodeURIComponent(payment.gateway));
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text }).catch((err: unknown) => {
    c.get('log').error({ err }, 'sandbox could not deliver its callback');
    return undefined;
  });
  if (!res?.ok) c.get('log').warn({ status: res?.status }, 'sandbox callback was not accepted');
  return res?.ok === true;
}

/**
 * Lets the payment workflow record the outcome before the payer lands on the result page, as a
 * real processor's redirect usually trails its callback. Bounded; the result page refreshes itself
 * if the outcome is still on its way.
 */
async function waitForOutcome(deps: AppEnv['Variables']['deps'], paymentId: string): Promise<void> {
  await deps.temporal.connection
    .withDeadline(Date.now() + OUTCOME_WAIT_MS, () => deps.temporal.workflow.getHandle(paymentWorkflowId(paymentId)).result())
    .catch(() => undefined);
}

const OUTCOME_WAIT_MS = 5000;

function notFoundPage(): string {
  return page('Payment not found', html`<div class="card"><h1>Payment not found</h1><p>This checkout link is not valid.</p></div>`);
}

function resultPage(payment: PaymentRow): string {
  const [title, text] = PAYMENT_RESULT_TEXT[payment.status];
  return page(
    title,
    html`<div class="card" role="status"><h1>${title}</h1><p>${text}</p><p class="note">Reference ${payment.reference}</p></div>`,
    payment.status === 'pending' ? { refreshSeconds: 2 } : {},
  );
}
