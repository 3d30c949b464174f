import { Hono } from 'hono';
import type { Logger } from 'pino';
import { findPayment, type PaymentRow } from '../../db/payments.js';
import { toJsonMinor } from '../../domain/money.js';
import type { SandboxCheckoutRow } from '../../gateways/sandbox/checkouts.js';
import { recordVerdict, SANDBOX_VERDICTS, signedCallback } from '../../gateways/sandbox/hosted-checkout.js';
import { listBookings } from '../../gateways/sandbox/ledger.js';
import { listSandboxRefunds } from '../../gateways/sandbox/refunds.js';
import { waitForPaymentWorkflow } from '../../temporal/queries.js';
import type { AppDeps, AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';
import { checkoutPage, notFoundPage, resultPage } from './sandbox-views.js';

/** Bounded; the result page refreshes itself if the outcome is still on its way. */
const OUTCOME_WAIT_MS = 5000;

/**
 * The sandbox's hosted checkout: what a payer sees at a card processor. Approve or Decline makes
 * the pretend processor send a signed callback to Tollgate, as a real one would, then shows the
 * result. Mounted only where a sandbox gateway is configured (src/api/create-app.ts).
 */
export function sandboxRouter(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/sandbox/checkout/:paymentId', async (c) => {
    const payment = await findPayment(c.get('deps').pool, c.req.param('paymentId'));
    if (!payment || payment.adapter !== 'sandbox') return c.html(notFoundPage(), 404);
    if (payment.status !== 'pending') return c.html(resultPage(payment), 200);
    return c.html(checkoutPage(payment));
  });

  for (const verdict of SANDBOX_VERDICTS) {
    app.post(`/sandbox/checkout/:paymentId/${verdict}`, async (c) => {
      const deps = c.get('deps');
      const payment = await findPayment(deps.pool, c.req.param('paymentId'));
      if (!payment || payment.adapter !== 'sandbox') return c.html(notFoundPage(), 404);
      if (payment.status === 'pending') {
        const booked = await recordVerdict(deps.pool, payment.id, verdict);
        if (verdict !== 'approve-silently' && (await postCallback(deps, c.get('log'), payment, booked))) {
          await waitForPaymentWorkflow(deps.temporal, payment.id, OUTCOME_WAIT_MS);
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

  // Its refund books: what the pretend bank paid back, per refund key.
  app.get('/sandbox/refunds', requireScope('read'), async (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 1000) || 1000, 10_000);
    const rows = await listSandboxRefunds(c.get('deps').pool, { transactionId: c.req.query('transaction_id'), limit });
    return c.json({
      data: rows.map((r) => ({
        idempotency_key: r.idempotency_key,
        transaction_id: r.transaction_id,
        amount: toJsonMinor(r.amount_minor),
        currency: r.currency,
        outcome: r.outcome,
        code: r.code,
        message: r.message,
        refund_id: r.refund_id,
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

/** Posts the processor's signed callback to SANDBOX_CALLBACK_URL; true when Tollgate accepted it. */
async function postCallback(deps: AppDeps, log: Logger, payment: PaymentRow, booked: SandboxCheckoutRow): Promise<boolean> {
  const secret = deps.gateways.get(payment.gateway)?.settings.secrets[payment.mode];
  if (!secret) {
    log.error({ gateway: payment.gateway, mode: payment.mode }, 'sandbox has no secret for this mode; no callback sent');
    return false;
  }
  const { body, headers } = signedCallback(secret, booked, Math.floor(Date.now() / 1000));
  const url = deps.config.sandboxCallbackUrl.replace('{gateway}', encodeURIComponent(payment.gateway));
  const res = await fetch(url, { method: 'POST', headers, body }).catch((err: unknown) => {
    log.error({ err }, 'sandbox could not deliver its callback');
    return undefined;
  });
  if (!res?.ok) log.warn({ status: res?.status }, 'sandbox callback was not accepted');
  return res?.ok === true;
}
