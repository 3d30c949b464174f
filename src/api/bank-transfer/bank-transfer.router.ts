import { Hono } from 'hono';
import { findPayment } from '../../db/payments.js';
import type { AppEnv } from '../env.js';
import { notFoundPage, transferPage } from './bank-transfer-views.js';

/** What a payer who chose bank transfer sees: the page a bank_transfer gateway's checkout URL names. */
export function bankTransferRouter(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/bank-transfer/:paymentId', async (c) => {
    const deps = c.get('deps');
    const payment = await findPayment(deps.pool, c.req.param('paymentId'));
    const account = payment ? deps.gateways.get(payment.gateway)?.settings.account : undefined;
    if (!payment || payment.adapter !== 'bank_transfer' || !account) return c.html(notFoundPage(), 404);
    return c.html(transferPage(payment, account));
  });
  return app;
}
