import { Hono } from 'hono';
import { findPayment } from '../../db/payments.js';
import type { AppEnv } from '../env.js';
import { paymentNotFoundPage, paymentResultPage } from '../payment-result-page.js';

/**
 * Where a hosted checkout (Stripe Checkout's success_url and cancel_url) sends the payer back for
 * a payment made without a payment link: its status, refreshing while the gateway's webhook is on
 * its way. It shows what Tollgate knows and decides nothing: only the webhook or the status query
 * completes a payment, never a browser arriving here.
 */
export function checkoutResultRouter(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/checkout/:paymentId/result', async (c) => {
    const payment = await findPayment(c.get('deps').pool, c.req.param('paymentId'));
    if (!payment) return c.html(paymentNotFoundPage(), 404);
    return c.html(paymentResultPage(payment), 200);
  });
  return app;
}
