import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { findCustomer } from '../../db/customers.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import { findPaymentLink, type PaymentLinkRow } from '../../db/payment-links.js';
import { findPayment, findPendingForLink } from '../../db/payments.js';
import type { TollgateEnv } from '../../config.js';
import { gatewayAccepts } from '../../gateways/registry.js';
import { can, type PaymentGateway } from '../../gateways/types.js';
import { createPayment } from '../payments/create-payment.js';
import type { AppEnv } from '../env.js';
import { html, page } from '../html.js';
import { maskName } from '../../identification/mask.js';
import { inProgressPage, linkClosedPage, payPage, resultPage } from './pay-views.js';


/** The pay page's one form field; anything else (or nothing) shows the "choose a method" page. */
const PayForm = z.object({ gateway: z.string().max(100) });

/**
 * `/pay/:token`: the page a customer opens from a payment link. The token is the credential; the
 * pages never show more than the amount, the description and a masked name.
 */
export function payRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const closedReason = (link: PaymentLinkRow | undefined, now: Date) =>
    !link ? ('not_found' as const) : link.paid_payment_id ? ('paid' as const) : link.expires_at <= now || link.closed_at ? ('expired' as const) : undefined;
  // A payer is offered a test-mode gateway only in development, where every shipped gateway is one
  // (the page marks them as test); in production only live gateways reach a payer.
  const offered = (g: PaymentGateway, link: PaymentLinkRow, env: TollgateEnv) =>
    gatewayAccepts(g, link.amount_minor, link.currency) && (env === 'development' || g.settings.mode === 'live');
  // What createPayment takes save_card for: a card kept where it could never be charged is refused.
  const keepsCards = (g: PaymentGateway) => g.settings.recurring !== null && can(g, 'recurring');
  const enabledGateways = (link: PaymentLinkRow, all: Iterable<PaymentGateway>, env: TollgateEnv) => [...all].filter((g) => offered(g, link, env));

  app.get('/pay/:token', async (c) => {
    const deps = c.get('deps');
    const link = await findPaymentLink(deps.pool, { token: c.req.param('token') });
    const closed = closedReason(link, deps.now());
    if (closed || !link) return c.html(linkClosedPage(closed ?? 'not_found', link), closed === 'not_found' ? 404 : 410);
    const pending = await findPendingForLink(deps.pool, link.id);
    if (pending) {
      return c.html(inProgressPage(link, pending, pending.checkout_url), 200);
    }
    const customer = await findCustomer(deps.pool, link.customer_id);
    const name = maskName(link.customer_name ?? customer?.name ?? '');
    return c.html(payPage(link, name, enabledGateways(link, deps.gateways.values(), deps.config.TOLLGATE_ENV)), 200);
  });

  app.post('/pay/:token', validator('form', (form) => PayForm.safeParse(form).data ?? { gateway: '' }), async (c) => {
    const deps = c.get('deps');
    const token = c.req.param('token');
    const link = await findPaymentLink(deps.pool, { token });
    const closed = closedReason(link, deps.now());
    if (closed || !link) return c.html(linkClosedPage(closed ?? 'not_found', link), closed === 'not_found' ? 404 : 410);
    const gateway = deps.gateways.get(c.req.valid('form').gateway);
    if (!gateway || !offered(gateway, link, deps.config.TOLLGATE_ENV)) {
      return c.html(page('Choose a payment method', html`<div class="card" role="alert"><h1>Choose a payment method</h1><p>That payment method is not available for this payment.</p><p><a href="/pay/${encodeURIComponent(token)}">Back</a></p></div>`), 400);
    }
    try {
      const payment = await createPayment(deps, {
        customerId: link.customer_id,
        amountMinor: link.amount_minor,
        currency: link.currency,
        gateway: gateway.name,
        description: link.description || (link.invoice_reference ? `Invoice ${link.invoice_reference}` : 'Payment'),
        paymentLinkId: link.id,
        // A subscription period's link (SCA): the payer authenticates, the card is kept for the
        // next periods where the gateway can charge it again (a bank transfer pays the period and
        // the subscription keeps its card), and the subscription learns of the success
        // (src/workflows/payment.ts).
        ...(link.subscription_id !== null && link.subscription_period !== null
          ? { ...(keepsCards(gateway) ? { saveCard: true } : {}), recovers: { subscriptionId: link.subscription_id, period: link.subscription_period } }
          : {}),
        returnUrl: (id) => `${deps.config.publicBaseUrl}/pay/${encodeURIComponent(token)}/result/${encodeURIComponent(id)}`,
      });
      if (!payment.checkout_url) throw new Error(`payment ${payment.id} has no checkout`);
      return c.redirect(payment.checkout_url, 303);
    } catch (err) {
      // Another tab started a payment of this link a moment ago: show that one instead of a second.
      if (isUniqueViolation(err)) return c.redirect(`/pay/${encodeURIComponent(token)}`, 303);
      if (err instanceof DomainError) {
        c.get('log').warn({ err: err.message }, 'payment link could not start a payment');
        return c.html(page('Payment unavailable', html`<div class="card" role="alert"><h1>Payment unavailable</h1><p>The payment could not be started right now. Please try again in a moment.</p><p><a href="/pay/${encodeURIComponent(token)}">Back</a></p></div>`), 503);
      }
      throw err;
    }
  });

  app.get('/pay/:token/result/:paymentId', async (c) => {
    const deps = c.get('deps');
    const link = await findPaymentLink(deps.pool, { token: c.req.param('token') });
    const payment = await findPayment(deps.pool, c.req.param('paymentId'));
    if (!link || !payment || payment.payment_link_id !== link.id) return c.html(linkClosedPage('not_found'), 404);
    return c.html(resultPage(link, payment), 200);
  });

  return app;
}
