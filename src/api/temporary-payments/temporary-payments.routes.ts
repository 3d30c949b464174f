import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdParam, problemResponses } from '../openapi-common.js';

export const TemporaryPayment = z
  .object({
    id: z.string().openapi({ example: 'tmp_x1Yq0c9vB2nK4mZt' }),
    payment_id: z.string(),
    customer_id: z.string(),
    status: z.enum(['open', 'settled']),
    settled_reason: z.enum(['bank', 'manual', 'expired']).nullable(),
    settled_at: z.string().nullable(),
    expires_at: z.string().nullable().openapi({ description: 'When it settles by itself; null when settled or for `never`' }),
    amount: z.number().int(),
    currency: z.string(),
    reference: z.string(),
    bank_line_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('TemporaryPayment');
export type TemporaryPayment = z.infer<typeof TemporaryPayment>;

export const TemporaryHistoryEntry = z
  .object({
    action: z.enum(['created', 'settled', 'bank_confirmed', 'unsettled']).openapi({ description: '`bank_confirmed`: a statement line paid a hand-settled or expired one (its settled_reason becomes bank)' }),
    reason: z.string().nullable(),
    actor: z.string().nullable(),
    expires_at: z.string().nullable(),
    bank_line_id: z.string().nullable(),
    at: z.string(),
  })
  .openapi('TemporaryPaymentHistoryEntry');

const ManualChangeBody = z.object({ note: z.string().max(500).optional() }).strict().openapi('ManualChange');

export const listTemporaryRoute = createRoute({
  method: 'get',
  path: '/v1/temporary-payments',
  tags: ['Temporary payments'],
  summary: 'List temporary payments, newest first',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      status: z.enum(['open', 'settled']).optional(),
      customer_id: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.string().max(300).optional(),
    }),
  },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: z.object({ data: z.array(TemporaryPayment), next_cursor: z.string().nullable() }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export const getTemporaryRoute = createRoute({
  method: 'get',
  path: '/v1/temporary-payments/{id}',
  tags: ['Temporary payments'],
  summary: 'A temporary payment with its history',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('tmp_x1Yq0c9vB2nK4mZt') },
  responses: {
    200: { description: 'The temporary payment', content: { 'application/json': { schema: TemporaryPayment.extend({ history: z.array(TemporaryHistoryEntry) }) } } },
    ...problemResponses(401, 403, 404),
  },
});

const manualRoute = (action: 'settle' | 'unsettle', summary: string, description: string) =>
  createRoute({
    method: 'post',
    path: `/v1/temporary-payments/{id}/${action}`,
    tags: ['Temporary payments'],
    summary,
    description,
    security: bearer,
    middleware: [requireScope('billing')] as const,
    request: { params: IdParam('tmp_x1Yq0c9vB2nK4mZt'), body: { required: false, content: { 'application/json': { schema: ManualChangeBody } } } },
    responses: {
      200: { description: 'The temporary payment afterwards', content: { 'application/json': { schema: TemporaryPayment } } },
      ...problemResponses(400, 401, 403, 404, 409, 503),
    },
  });

export const settleRoute = manualRoute('settle', 'Settle an open temporary payment by hand', 'Reason `manual`; reversible with unsettle. 409 unless open.');
export const unsettleRoute = manualRoute(
  'unsettle',
  'Reopen a settled temporary payment (manual, expired or bank)',
  'Every settlement can be undone (BillTech: the process is fully reversible), each with a history row and a `temporary_payment.unsettled` event; ' +
    'the expiry clock starts again from now (payment_expiration). Reopening a `bank` settlement frees its statement line (outcome `not_found`, to be paired again by hand). ' +
    'A hand or expiry settlement whose statement line is already on its way is settled by the bank instead. 409 when open.',
);
