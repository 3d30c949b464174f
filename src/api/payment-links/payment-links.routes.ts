import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { AmountMinor, bearer, CurrencyCode, IdempotencyHeaders, IdParam, problemResponses } from '../openapi-common.js';

export const CreatePaymentLinkBody = z
  .object({
    customer_id: z.string().min(1).max(100),
    kind: z.enum(['invoice', 'balance']).default('invoice').openapi({ description: '`invoice`: one invoice; `balance`: the whole balance, whose amount the billing system gives' }),
    amount: AmountMinor,
    currency: CurrencyCode,
    description: z.string().max(500).default('').openapi({ example: 'Invoice FV/2026/11/0042' }),
    invoice_reference: z.string().max(100).optional().openapi({ example: 'FV/2026/11/0042' }),
    expires_in: z.string().default('P14D').openapi({ description: 'ISO 8601 duration until the link stops working', example: 'P14D' }),
    customer: z
      .object({ name: z.string().max(200).optional(), email: z.string().email().max(200).optional() })
      .strict()
      .optional()
      .openapi({ description: "Shown (masked) on the pay page instead of the customer's stored name" }),
  })
  .strict()
  .openapi('CreatePaymentLink');
export type CreatePaymentLinkBody = z.infer<typeof CreatePaymentLinkBody>;

export const PaymentLink = z
  .object({
    id: z.string(),
    token: z.string(),
    url: z.string().openapi({ example: 'http://localhost:3000/pay/h3Q…' }),
    customer_id: z.string(),
    kind: z.enum(['invoice', 'balance']),
    amount: z.number().int(),
    currency: z.string(),
    description: z.string(),
    invoice_reference: z.string().nullable(),
    expires_at: z.string(),
    status: z.enum(['open', 'paid', 'expired']),
    paid_payment_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('PaymentLink');
export type PaymentLink = z.infer<typeof PaymentLink>;

export const createPaymentLinkRoute = createRoute({
  method: 'post',
  path: '/v1/payment-links',
  tags: ['Payment links'],
  summary: 'Create a payment link',
  description: 'A token URL (`/pay/<token>`) the customer opens to pay with any gateway enabled for the amount.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { headers: IdempotencyHeaders, body: { required: true, content: { 'application/json': { schema: CreatePaymentLinkBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: PaymentLink } } },
    ...problemResponses(400, 401, 403, 404, 422),
  },
});

export const getPaymentLinkRoute = createRoute({
  method: 'get',
  path: '/v1/payment-links/{id}',
  tags: ['Payment links'],
  summary: 'Get a payment link',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('plk_3xZ1p0H5nq2Lr8bE') },
  responses: {
    200: { description: 'The link', content: { 'application/json': { schema: PaymentLink } } },
    ...problemResponses(401, 403, 404),
  },
});
