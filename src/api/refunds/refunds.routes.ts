import { createRoute, z } from '@hono/zod-openapi';
import { REFUND_STATUSES } from '../../domain/refund.js';
import { requireScope } from '../middleware/auth.js';
import { AmountMinor, bearer, IDEMPOTENCY_KEY_PATTERN, IdParam, Instant, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

export const CreateRefundBody = z
  .object({
    amount: AmountMinor.optional().openapi({ description: 'Minor units in the currency of what is refunded; left out, everything not yet refunded' }),
    reason: z.string().min(1).max(500).openapi({ example: 'customer cancelled within 14 days' }),
  })
  .strict()
  .openapi('CreateRefund');
export type CreateRefundBody = z.infer<typeof CreateRefundBody>;

const Party = z.object({ name: z.string().nullable(), account: z.string().nullable() });

export const ManualInstructions = z
  .object({
    amount: z.number().int(),
    currency: z.string(),
    to: Party.nullable().openapi({ description: 'Whom to pay back, from the bank-statement line that paid the payment; null when no line is known' }),
    reference: z.string().openapi({ description: 'The payment reference to quote on the transfer back' }),
    bank_line_id: z.string().nullable(),
    note: z.string().nullable(),
  })
  .openapi('ManualRefundInstructions');
export type ManualInstructions = z.infer<typeof ManualInstructions>;

export const Refund = z
  .object({
    id: z.string().openapi({ example: 'ref_q0c1UuJ3D2kq3oS7' }),
    payment_id: z.string().nullable(),
    charge_attempt_id: z.string().nullable(),
    customer_id: z.string(),
    gateway: z.string(),
    mode: z.enum(['test', 'live']),
    amount: z.number().int(),
    currency: z.string(),
    reason: z.string(),
    status: z.enum(REFUND_STATUSES),
    gateway_refund_id: z.string().nullable(),
    gateway_code: z.string().nullable(),
    gateway_message: z.string().nullable(),
    manual_instructions: ManualInstructions.nullable(),
    requested_by: z.string().openapi({ description: "The API key that asked, or 'system' (a late success refunded by the gateway's policy)" }),
    confirmed_by: z.string().nullable(),
    late_success_id: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi('Refund');
export type Refund = z.infer<typeof Refund>;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

/** Required: a retried refund request must never refund twice. */
const RefundIdempotencyHeaders = z.object({
  'idempotency-key': z
    .string({ error: 'Idempotency-Key is required: send a unique key per refund, the same on every retry' })
    .regex(IDEMPOTENCY_KEY_PATTERN, '1–255 printable ASCII characters')
    .openapi({ description: 'Required. A unique key per refund, the same on every retry: a retry answers the first refund and never refunds twice; the same key with another body is 422.' }),
});

const CREATE_DESCRIPTION =
  'Idempotency-Key is required (400 without it): the same key and body answer the first refund, another body is 422. ' +
  'Without `amount`, everything not yet held by another refund is refunded. 409 when the payment is not succeeded, when the amount exceeds what is left ' +
  '(the problem says how much is), when the gateway has no refunds, or for a partial amount on a gateway without partial refunds. ' +
  'Bank transfers (and deferred payments settled from a bank statement) are refunded by a person: the refund is `requires_manual` with what to pay back to whom, ' +
  'confirmed with POST /v1/refunds/{id}/confirm.';

export const createPaymentRefundRoute = createRoute({
  method: 'post',
  path: '/v1/payments/{id}/refunds',
  tags: ['Refunds'],
  summary: 'Refund a succeeded payment, wholly or partly',
  description: CREATE_DESCRIPTION,
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: IdParam('pay_q0c1UuJ3D2kq3oS7'), headers: RefundIdempotencyHeaders, body: { required: true, ...json(CreateRefundBody) } },
  responses: { 201: { description: 'The refund', ...json(Refund) }, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
});

export const createAttemptRefundRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{id}/charge-attempts/{attemptId}/refunds',
  tags: ['Refunds'],
  summary: "Refund a subscription's succeeded charge attempt (its id is in the subscription's attempts)",
  description: CREATE_DESCRIPTION,
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    params: z.object({
      id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' }, example: 'sub_…' }),
      attemptId: z.string().min(1).max(20).openapi({ param: { name: 'attemptId', in: 'path' }, example: '42' }),
    }),
    headers: RefundIdempotencyHeaders,
    body: { required: true, ...json(CreateRefundBody) },
  },
  responses: { 201: { description: 'The refund', ...json(Refund) }, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
});

export const listPaymentRefundsRoute = createRoute({
  method: 'get',
  path: '/v1/payments/{id}/refunds',
  tags: ['Refunds'],
  summary: "A payment's refunds, newest first",
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('pay_q0c1UuJ3D2kq3oS7'), query: z.object(PageQuery) },
  responses: { 200: { description: 'A page', ...json(pageOf(Refund).openapi('RefundPage')) }, ...problemResponses(400, 401, 403, 404) },
});

export const listRefundsRoute = createRoute({
  method: 'get',
  path: '/v1/refunds',
  tags: ['Refunds'],
  summary: 'List refunds, newest first',
  description: 'Filters combine (AND); `created_from` inclusive, `created_to` exclusive (RFC 3339 or a date). Page with `next_cursor`.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      status: z.enum(REFUND_STATUSES).optional(),
      gateway: z.string().max(50).optional(),
      customer_id: z.string().max(100).optional(),
      payment_id: z.string().max(100).optional(),
      charge_attempt_id: z.string().max(20).optional(),
      created_from: Instant.optional().openapi({ type: 'string', example: '2026-12-01' }),
      created_to: Instant.optional().openapi({ type: 'string', example: '2026-12-02' }),
      ...PageQuery,
    }),
  },
  responses: { 200: { description: 'A page', ...json(pageOf(Refund)) }, ...problemResponses(400, 401, 403) },
});

export const getRefundRoute = createRoute({
  method: 'get',
  path: '/v1/refunds/{id}',
  tags: ['Refunds'],
  summary: 'Get a refund',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('ref_q0c1UuJ3D2kq3oS7') },
  responses: { 200: { description: 'The refund', ...json(Refund) }, ...problemResponses(401, 403, 404) },
});

export const ConfirmRefundBody = z.object({ note: z.string().max(500).optional() }).strict().openapi('ConfirmRefund');

export const confirmRefundRoute = createRoute({
  method: 'post',
  path: '/v1/refunds/{id}/confirm',
  tags: ['Refunds'],
  summary: 'Confirm that a person paid a requires_manual refund back (admin)',
  description: 'The refund becomes `succeeded` (refund.succeeded, payment.refunded). A repeat answers the confirmed refund; any other refund is 409.',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam('ref_q0c1UuJ3D2kq3oS7'), body: { required: false, ...json(ConfirmRefundBody) } },
  responses: { 200: { description: 'The confirmed refund', ...json(Refund) }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const LateSuccess = z
  .object({
    id: z.string(),
    payment_id: z.string(),
    customer_id: z.string(),
    gateway: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    gateway_transaction_id: z.string().nullable(),
    payment_status: z.string().openapi({ description: 'What the payment had ended as (expired, canceled, failed); it stays so' }),
    action: z.enum(['refunded', 'kept']),
    refund_id: z.string().nullable(),
    refund_status: z.enum(REFUND_STATUSES).nullable().openapi({ description: "The system refund's status; `failed` leaves the payer's money for a person to pay back" }),
    created_at: z.string(),
  })
  .openapi('LateSuccess');

export const listLateSuccessesRoute = createRoute({
  method: 'get',
  path: '/v1/late-successes',
  tags: ['Refunds'],
  summary: 'Money captured after its payment had ended, newest first',
  description: "By the gateway's `late_success` policy it was refunded automatically (`refunded`, see its refund) or kept (`kept`): credit those to the customer.",
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      action: z.enum(['refunded', 'kept']).optional(),
      customer_id: z.string().max(100).optional(),
      gateway: z.string().max(50).optional(),
      ...PageQuery,
    }),
  },
  responses: { 200: { description: 'A page', ...json(pageOf(LateSuccess).openapi('LateSuccessPage')) }, ...problemResponses(400, 401, 403) },
});
