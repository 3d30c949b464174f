import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { bearer, CurrencyCode, IdParam, problemResponses } from '../openapi-common.js';

const IdentifierValue = (description: string, example: string) =>
  z.string().max(200).nullable().optional().openapi({ description: `${description}; null or absent: none`, example });

export const IdentifiersBody = z
  .object({
    contract: IdentifierValue('The contract number (trimmed)', 'A-1001'),
    login: IdentifierValue('The login in the billing system (trimmed, case kept)', 'jan'),
    phone: IdentifierValue('A phone number: stored as its digits only, a leading + and spaces, dashes, dots and parentheses dropped ("+48 600 100 200" → "48600100200"), and looked up the same way', '+48 600 100 200'),
  })
  .strict()
  .openapi('CustomerIdentifiersUpdate');
export type IdentifiersBody = z.infer<typeof IdentifiersBody>;

export const CustomerIdentifiers = z
  .object({
    customer_id: z.string(),
    uid: z.string().openapi({ description: "The billing system's own id (external_ref): always an identifier" }),
    contract: z.string().nullable(),
    login: z.string().nullable(),
    phone: z.string().nullable().openapi({ description: 'Digits only', example: '48600100200' }),
  })
  .openapi('CustomerIdentifiers');
export type CustomerIdentifiers = z.infer<typeof CustomerIdentifiers>;

export const putIdentifiersRoute = createRoute({
  method: 'put',
  path: '/v1/customers/{id}/identifiers',
  tags: ['Customers'],
  summary: "Replace the identifiers a payer may find the customer by (terminals, the top-up portal)",
  description:
    'The whole set: a kind left out or null is removed. Each value is unique per kind across customers: one another customer ' +
    'holds answers 409 naming the kind, and nothing changes. `uid` (the external_ref) always identifies the customer and is not set here.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    params: IdParam('cus_3xZ1p0H5nq2Lr8bE'),
    body: { required: true, content: { 'application/json': { schema: IdentifiersBody } } },
  },
  responses: {
    200: { description: 'The set as stored (normalised)', content: { 'application/json': { schema: CustomerIdentifiers } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const getIdentifiersRoute = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/identifiers',
  tags: ['Customers'],
  summary: "The customer's identifiers",
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('cus_3xZ1p0H5nq2Lr8bE') },
  responses: {
    200: { description: 'The set as stored', content: { 'application/json': { schema: CustomerIdentifiers } } },
    ...problemResponses(401, 403, 404),
  },
});

const DecimalAmount = z
  .string()
  // 14 digits: in minor units of a four-decimal currency (CLF) that still fits a bigint.
  .regex(/^-?\d{1,14}(\.\d{1,4})?$/, 'must be a decimal string such as "-12.50"')
  .openapi({ description: 'A decimal string in the currency\'s units; negative is debt', example: '-12.50' });

export const BalanceBody = z
  .object({
    balance: DecimalAmount,
    currency: CurrencyCode,
    active: z.boolean().openapi({ description: 'false: the account may not be paid into (terminals refuse it)' }),
    as_of: z.iso.datetime({ offset: true }).optional().openapi({ description: 'When the billing system computed it (default now); an older push than the stored one is 409' }),
  })
  .strict()
  .openapi('CustomerBalanceUpdate');
export type BalanceBody = z.infer<typeof BalanceBody>;

export const CustomerBalance = z
  .object({
    customer_id: z.string(),
    balance: z.string().openapi({ example: '-12.50' }),
    currency: z.string(),
    active: z.boolean(),
    as_of: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('CustomerBalance');
export type CustomerBalance = z.infer<typeof CustomerBalance>;

export const putBalanceRoute = createRoute({
  method: 'put',
  path: '/v1/customers/{id}/balance',
  tags: ['Customers'],
  summary: "Push the customer's balance and status, shown to payers when no lookup hook is set",
  description: 'The recommended sum a terminal or the portal offers is the debt plus the channel\'s add_to_recommended, at least its minimum. Decimal strings, never floats.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    params: IdParam('cus_3xZ1p0H5nq2Lr8bE'),
    body: { required: true, content: { 'application/json': { schema: BalanceBody } } },
  },
  responses: {
    200: { description: 'The balance as stored', content: { 'application/json': { schema: CustomerBalance } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

export const getBalanceRoute = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/balance',
  tags: ['Customers'],
  summary: 'The balance last pushed',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('cus_3xZ1p0H5nq2Lr8bE') },
  responses: {
    200: { description: 'The balance', content: { 'application/json': { schema: CustomerBalance } } },
    ...problemResponses(401, 403, 404),
  },
});
