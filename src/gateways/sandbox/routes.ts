import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { html, page } from '../../api/html.js';
import type { AppEnv } from '../../api/env.js';
import { findPayment, type PaymentRow } from '../../db/payments.js';
import { formatDecimal, toJsonMinor } from '../../domain/money.js';
import { requireScope } from '../../api/middleware/auth.js';
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
    if (!payment || payment.gateway !== 'sandbox') return c.html(notFoundPage(), 404);
    if (payment.status !== 'pending') return c.html(resultPage(payment), 200);
    const amount = `${formatDecimal({ minor: payment.amount_minor, currency: payment.currency })} ${payment.currency}`;
    const action = `/sandbox/checkout/${encodeURIComponent(payment.id)}`;
    return c.html(
      page(
        'Sandbox checkout',
        html`<div class="card">
  <h1>Sandbox checkout</h1>
  <p class="note">Test gateway — no real money moves.</p>
  <p>${payment.description || 'Payment'}</p>
  <p class="amount" aria-label="Amount">${amount}</p>
  <p class="note">Reference ${payment.reference}</p>
  <form method="post" action="${action}/approve" style="display:inline"><button class="primary" type="submit">Approve</button></form>
  <form method="post" action="${action}/decline" style="display:inline"><button type="submit">Decline</button></form>
</div>`,
      ),
    );
  });

  for (const verdict of ['approve', 'decline'] as const) {
    app.post(`/sandbox/checkout/:paymentId/${verdict}`, async (c) => {
      const deps = c.get('deps');
      const payment = await findPayment(deps.pool, c.req.param('paymentId'));
      if (!payment || payment.gateway !== 'sandbox') return c.html(notFoundPage(), 404);
      if (payment.status === 'pending') {
        const body: SandboxCallbackBody = {
          type: verdict === 'approve' ? 'payment.succeeded' : 'payment.failed',
          data: {
            payment_id: payment.id,
            transaction_id: `sbx_txn_${randomUUID()}`,
            ...(verdict === 'approve'
              ? { code: '00', message: 'Approved', card_token: 'sandbox_approve' }
              : { code: '05', message: 'Do not honour (declined on the sandbox page)' }),
          },
        };
        const text = JSON.stringify(body);
        const headers = webhookHeaders(deps.config.SANDBOX_WEBHOOK_SECRET, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), text);
        const res = await fetch(deps.config.sandboxCallbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: text,
        }).catch((err: unknown) => {
          c.get('log').error({ err }, 'sandbox could not deliver its callback');
          return undefined;
        });
        if (!res?.ok) c.get('log').warn({ status: res?.status }, 'sandbox callback was not accepted');
        else await waitForOutcome(deps, payment.id);
      }
      return c.redirect(`/sandbox/checkout/${encodeURIComponent(payment.id)}/result`, 303);
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
        created_at: r.created_at.toISOString(),
      })),
    });
  });

  app.get('/sandbox/checkout/:paymentId/result', async (c) => {
    const payment = await findPayment(c.get('deps').pool, c.req.param('paymentId'));
    if (!payment || payment.gateway !== 'sandbox') return c.html(notFoundPage(), 404);
    return c.html(resultPage(payment), 200);
  });

  return app;
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

const RESULT_TEXT = {
  pending: ['Payment processing', 'We are waiting for the confirmation. This page refreshes by itself.'],
  succeeded: ['Payment successful', 'Thank you — the payment was approved.'],
  failed: ['Payment declined', 'The payment was declined. No money was taken.'],
  expired: ['Payment expired', 'This payment expired before it was completed.'],
  canceled: ['Payment canceled', 'This payment was canceled.'],
} as const satisfies Record<PaymentRow['status'], readonly [string, string]>;

function resultPage(payment: PaymentRow): string {
  const [title, text] = RESULT_TEXT[payment.status];
  return page(
    title,
    html`<div class="card" role="status"><h1>${title}</h1><p>${text}</p><p class="note">Reference ${payment.reference}</p></div>`,
    payment.status === 'pending' ? { refreshSeconds: 2 } : {},
  );
}
