import { createRoute, z } from '@hono/zod-openapi';
import { PAYMENT_STATUSES } from '../../domain/payment.js';
import { ConversionFields } from '../../events/schemas/conversion.js';
import { requireScope } from '../middleware/auth.js';
import { AmountMinor, bearer, CurrencyCode, IdempotencyHeaders, IdParam, Instant, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

export const CreatePaymentBody = z
  .object({
    customer_id: z.string().min(1).max(100).openapi({ example: 'cus_3xZ1p0H5nq2Lr8bE' }),
    amount: AmountMinor,
    currency: CurrencyCode,
    gateway: z.string().min(1).max(50).openapi({ example: 'sandbox' }),
    description: z.string().max(500).default('').openapi({ example: 'Internet 300 Mb/s, November' }),
    expires_in: z
      .string()
      .optional()
      .openapi({ description: "ISO 8601 duration until the payment expires (PT10S … P30D); the gateway's payment_ttl when left out", example: 'PT30M' }),
    reference: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9 \-/.:]{0,33}[A-Za-z0-9])?$/, 'letters, digits, spaces and - / . : inside (at most 35, as a bank transfer carries)')
      .optional()
      .openapi({ description: 'The reference (variable symbol) a bank transfer will carry: one from GET /v1/variable-symbol or your own; a fresh one when left out', example: '4821930575' }),
    save_card: z
      .boolean()
      .default(false)
      .openapi({ description: "A subscription's first payment: the checkout asks the payer to save the card for later charges by the merchant (Stripe: setup_future_usage=off_session), so the payment yields a reusable payment method. Only for a gateway that takes recurring charges." }),
  })
  .strict()
  .openapi('CreatePayment');
export type CreatePaymentBody = z.infer<typeof CreatePaymentBody>;

export const Payment = z
  .object({
    id: z.string().openapi({ example: 'pay_q0c1UuJ3D2kq3oS7' }),
    customer_id: z.string(),
    status: z.enum(PAYMENT_STATUSES),
    amount: z.number().int(),
    currency: z.string(),
    gateway: z.string(),
    mode: z.enum(['test', 'live']),
    description: z.string(),
    reference: z.string().openapi({ description: 'Unique variable symbol a bank transfer can carry', example: '4821930575' }),
    checkout_url: z.string().nullable(),
    settlement: z.enum(['immediate', 'deferred']),
    expires_at: z.string(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    gateway_transaction_id: z.string().nullable(),
    gateway_code: z.string().nullable(),
    gateway_message: z.string().nullable(),
    refunded_amount: z.number().int().openapi({ description: 'Minor units held by refunds that did not fail (pending, succeeded, requires_manual): no longer refundable' }),
    credited_amount: z.number().int().openapi({ description: 'What the customer is credited: amount less commission (all of it but for top-up portal payments)' }),
    commission: z.number().int().openapi({ description: "The gateway's commission inside amount, paid by the payer (0 but for top-up portal payments)" }),
    conversion: ConversionFields.optional().openapi({ description: 'GET /v1/payments/{id} only: a success converted into the customer\'s billing currency (README "Currency rates")' }),
  })
  .openapi('Payment');
export type Payment = z.infer<typeof Payment>;

export const createPaymentRoute = createRoute({
  method: 'post',
  path: '/v1/payments',
  tags: ['Payments'],
  summary: 'Create a one-time payment',
  description: 'Creates a pending payment and starts its workflow `payment:<id>`; send the payer to `checkout_url`.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: CreatePaymentBody } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: Payment } } },
    ...problemResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

export const getPaymentRoute = createRoute({
  method: 'get',
  path: '/v1/payments/{id}',
  tags: ['Payments'],
  summary: 'Get a payment',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('pay_q0c1UuJ3D2kq3oS7') },
  responses: {
    200: { description: 'The payment', content: { 'application/json': { schema: Payment } } },
    ...problemResponses(401, 403, 404),
  },
});

export const VariableSymbol = z
  .object({ reference: z.string().openapi({ example: '4821930575' }) })
  .openapi('VariableSymbol');

export const variableSymbolRoute = createRoute({
  method: 'get',
  path: '/v1/variable-symbol',
  tags: ['Payments'],
  summary: 'A fresh unique payment reference (variable symbol)',
  description: 'Ten digits with a mod-11 check digit, not used by any payment yet. Pass it as `reference` when creating the payment.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  responses: {
    200: { description: 'A fresh reference', content: { 'application/json': { schema: VariableSymbol } } },
    ...problemResponses(401, 403),
  },
});

export const listPaymentsRoute = createRoute({
  method: 'get',
  path: '/v1/payments',
  tags: ['Payments'],
  summary: 'List payments, newest first',
  description:
    'Filters combine (AND): `customer_id`, `gateway`, `status`, `mode`, `reference` (exact), and `created_from` (inclusive) / `created_to` (exclusive), ' +
    'each an RFC 3339 date-time or a date (its midnight UTC) — the payments of 1 December: `created_from=2026-12-01&created_to=2026-12-02`. Page with `next_cursor`.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      customer_id: z.string().max(100).optional(),
      gateway: z.string().max(50).optional(),
      status: z.enum(PAYMENT_STATUSES).optional(),
      mode: z.enum(['test', 'live']).optional(),
      created_from: Instant.optional().openapi({ type: 'string', example: '2026-12-01T00:00:00+01:00' }),
      created_to: Instant.optional().openapi({ type: 'string', example: '2026-12-02T00:00:00+01:00' }),
      reference: z.string().max(35).optional(),
      ...PageQuery,
    }),
  },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: pageOf(Payment).openapi('PaymentPage') } } },
    ...problemResponses(400, 401, 403),
  },
});

/** Text Postgres can keep: no NUL, no lone UTF-16 surrogate (the reason reaches a row and a jsonb event from a workflow, where a refusal would retry for ever). */
const storableText = (t: string) => !t.includes('\u0000') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t);

export const CancelPaymentBody = z
  .object({
    reason: z.string().max(500).refine(storableText, 'text without NUL characters or lone surrogates').optional().openapi({ example: 'the customer paid the invoice in cash' }),
  })
  .strict()
  .openapi('CancelPayment');

export const cancelPaymentRoute = createRoute({
  method: 'post',
  path: '/v1/payments/{id}/cancel',
  tags: ['Payments'],
  summary: 'Cancel a pending payment',
  description:
    'Cancels a pending payment through its workflow: `canceled` with a `payment.canceled` event, then the gateway\'s session is ended where it has one. ' +
    "A payment link whose payment was canceled can be paid again. A payment that is not pending — or whose gateway outcome arrived first — is 409 with its `status`; nothing changes. " +
    'A success the gateway reports after the cancel is a late success. With an Idempotency-Key a retry answers the first cancel.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    params: IdParam('pay_q0c1UuJ3D2kq3oS7'),
    headers: IdempotencyHeaders,
    body: { required: false, content: { 'application/json': { schema: CancelPaymentBody } } },
  },
  responses: {
    200: { description: 'The canceled payment', content: { 'application/json': { schema: Payment } } },
    ...problemResponses(400, 401, 403, 404, 409, 422, 503),
  },
});
