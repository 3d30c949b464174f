import { GATEWAY_ADAPTERS } from '../../gateways/settings.js';
import { GATEWAY_CAPABILITIES } from '../../gateways/types.js';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { toJsonMinor } from '../../domain/money.js';
import { LATE_SUCCESS_POLICIES } from '../../domain/refund.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

export const GatewayInfo = z
  .object({
    name: z.string().openapi({ example: 'sandbox_deferred' }),
    adapter: z.enum(GATEWAY_ADAPTERS),
    label: z.string(),
    mode: z.enum(['test', 'live']).openapi({ description: 'The mode new payments start in' }),
    settlement: z.enum(['immediate', 'deferred']),
    payment_expiration: z.union([z.number().int(), z.string()]).openapi({ description: 'How long a temporary payment stays open (deferred settlement): days, an ISO 8601 duration, or "never"' }),
    callback_allowlist: z.array(z.string()),
    min_amount: z.number().int(),
    max_amount: z.number().int(),
    currencies: z.array(z.string()).nullable(),
    payment_ttl_seconds: z.number().int(),
    status_query: z.boolean().openapi({ description: 'Whether pending payments ask the gateway for their status' }),
    capabilities: z.array(z.enum(GATEWAY_CAPABILITIES)).openapi({ description: 'What the adapter can do beyond taking payments (refunds, partial_refunds, recurring, disputes, status_query, card_expiry, cancel_checkout)' }),
    callback_url: z.string(),
    late_success: z.enum(LATE_SUCCESS_POLICIES).openapi({ description: 'What a success after its payment ended becomes: refunded automatically, or kept for the billing system to credit' }),
  })
  .openapi('Gateway');

const listGatewaysRoute = createRoute({
  method: 'get',
  path: '/v1/gateways',
  tags: ['Gateways'],
  summary: 'The configured gateways (never their secrets)',
  security: bearer,
  middleware: [requireScope('read')] as const,
  responses: {
    200: { description: 'Every configured gateway', content: { 'application/json': { schema: z.object({ data: z.array(GatewayInfo) }) } } },
    ...problemResponses(401, 403),
  },
});

export function gatewaysRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listGatewaysRoute, (c) => {
    const { gateways, config } = c.get('deps');
    const data = [...gateways.values()].map((g) => {
      const s = g.settings;
      return {
        name: s.name,
        adapter: s.adapter,
        label: s.label,
        mode: s.mode,
        settlement: s.settlement,
        payment_expiration: s.paymentExpiration,
        callback_allowlist: s.callbackAllowlist,
        min_amount: toJsonMinor(s.minAmount),
        max_amount: toJsonMinor(s.maxAmount),
        currencies: s.currencies,
        payment_ttl_seconds: Math.round(s.paymentTtlMs / 1000),
        status_query: g.paymentStatus !== undefined,
        capabilities: [...g.capabilities],
        callback_url: `${config.publicBaseUrl}/v1/callbacks/${s.name}`,
        late_success: s.lateSuccess,
      };
    });
    return c.json({ data }, 200);
  });
  return app;
}
