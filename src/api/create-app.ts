import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.js';
import { paymentLinksRouter } from './payment-links/payment-links.router.js';
import { payRoutes } from './pay/pay.routes.js';
import { portalRoutes } from './portal/portal.routes.js';
import { apiKeysRouter } from './api-keys/api-keys.router.js';
import { checkoutResultRouter } from './checkout/checkout-result.router.js';
import { bankTransferRouter } from './bank-transfer/bank-transfer.router.js';
import { bankLinesRouter } from './bank-statements/bank-lines.router.js';
import { bankStatementsRouter } from './bank-statements/bank-statements.router.js';
import { callbacksRouter } from './callbacks/callbacks.router.js';
import { terminalsRouter } from './terminals/terminals.router.js';
import { terminalRecordsRouter } from './terminals/records.router.js';
import { callbackJournalRouter } from './callbacks/journal.router.js';
import { gatewaysRouter } from './gateways/gateways.router.js';
import { temporaryPaymentsRouter } from './temporary-payments/temporary-payments.router.js';
import { customersRouter } from './customers/customers.router.js';
import { exchangeRatesRouter } from './exchange-rates/exchange-rates.router.js';
import type { AppDeps, AppEnv } from './env.js';
import { eventsRouter } from './events/events.router.js';
import { docsRouter } from './docs/docs.router.js';
import { httpMetrics } from './middleware/metrics.js';
import { securityHeaders } from './middleware/security-headers.js';
import { requestContext } from './middleware/request-context.js';
import { withMiddlewareProblems } from './openapi-document.js';
import { paymentsRouter } from './payments/payments.router.js';
import { notificationsRouter } from './notifications/notifications.router.js';
import { refundsRouter } from './refunds/refunds.router.js';
import { problemBody, problemResponse, toProblem, zodIssues } from './problem.js';
import { sandboxDisputesRouter } from './sandbox/sandbox-disputes.router.js';
import { sandboxRouter } from './sandbox/sandbox.router.js';
import { subscriptionsRouter } from './subscriptions/subscriptions.router.js';
import { systemRouter } from './system/system.router.js';
import { webhookDeliveriesRouter } from './webhook-deliveries/webhook-deliveries.router.js';
import { webhookEndpointsRouter } from './webhook-endpoints/webhook-endpoints.router.js';

/** Builds the whole HTTP surface from its dependencies. Nothing here reads globals. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // The one place schema failures become problems: 400 with every issue listed.
    defaultHook: (result) => {
      if (!result.success) {
        const errors = zodIssues(result.error);
        const first = errors[0] ? ` (${errors[0].path}: ${errors[0].message})` : '';
        throw new ValidationError(`the request ${result.target} is invalid${first}`, { errors });
      }
    },
  });

  app.use('*', requestContext(deps));
  app.use('*', httpMetrics(deps.metrics));
  app.use('*', securityHeaders());
  const limitBody: MiddlewareHandler<AppEnv> = bodyLimit({
    maxSize: deps.config.MAX_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(`request bodies are limited to ${deps.config.MAX_BODY_BYTES} bytes`);
    },
  });
  // Every route, forms on /pay and the sandbox pages included. Callbacks read their own body with
  // the same cap so an oversized one is still journaled; statements have their own, larger cap
  // (STATEMENT_MAX_BYTES), checked while reading; so have rates files (EXCHANGE_RATE_MAX_BYTES).
  app.use(
    '*',
    createMiddleware<AppEnv>(async (c, next) =>
      c.req.path.startsWith('/v1/callbacks/') || c.req.path.startsWith('/v1/terminals/') || c.req.path === '/v1/bank-statements' || c.req.path === '/v1/exchange-rates/imports' ? next() : limitBody(c, next),
    ),
  );

  app.route('/', systemRouter());
  app.route('/', customersRouter());
  app.route('/', paymentsRouter());
  app.route('/', refundsRouter());
  app.route('/', subscriptionsRouter());
  app.route('/', eventsRouter());
  app.route('/', webhookEndpointsRouter());
  app.route('/', webhookDeliveriesRouter());
  app.route('/', notificationsRouter());
  app.route('/', apiKeysRouter());
  app.route('/', callbackJournalRouter());
  app.route('/', callbacksRouter());
  app.route('/', terminalsRouter());
  app.route('/', terminalRecordsRouter());
  app.route('/', gatewaysRouter());
  app.route('/', bankStatementsRouter());
  app.route('/', bankLinesRouter());
  app.route('/', temporaryPaymentsRouter());
  app.route('/', exchangeRatesRouter());
  // The sandbox's Approve button marks a payment paid without authentication: its pages exist only
  // where a sandbox gateway is configured (never in production, which refuses the adapter).
  if ([...deps.gateways.values()].some((g) => g.settings.adapter === 'sandbox')) {
    app.route('/', sandboxRouter());
    app.route('/', sandboxDisputesRouter());
  }
  app.route('/', bankTransferRouter());
  app.route('/', checkoutResultRouter());
  app.route('/', paymentLinksRouter());
  app.route('/', portalRoutes()); // before /pay/:token: /pay/sum, /pay/start are the portal's
  app.route('/', payRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `Authorization: Bearer tg_…`. Scopes: admin ⊃ billing ⊃ read.',
  });
  let openApiDocument: ReturnType<typeof app.getOpenAPIDocument> | undefined;
  app.get('/openapi.json', (c) => {
    openApiDocument ??= withMiddlewareProblems(
      app.getOpenAPIDocument({
        openapi: '3.0.3',
        info: {
          title: 'Tollgate API',
          version: '0.1.0',
          description: 'Payments engine for subscription businesses. Errors are application/problem+json (RFC 9457).',
        },
      }),
    );
    return c.json(openApiDocument);
  });
  app.route('/', docsRouter());
  app.get('/', (c) => c.redirect('/docs'));

  app.notFound((c) => problemResponse(c, 404, problemBody(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`, c.get('requestId'))));
  app.onError((err, c) => toProblem(err, c));
  return app;
}
