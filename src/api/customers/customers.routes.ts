import { createRoute, z } from '@hono/zod-openapi';
import { NOTIFICATION_LOCALES } from '../../notifications/types.js';
import { ExpiryFields } from '../api-keys/expiry.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdempotencyHeaders, IdParam, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

/** The currency the billing system keeps the account in: payments in another are converted (README "Currency rates"). */
export const BillingCurrency = z.string().regex(/^[A-Z]{3}$/).nullable().openapi({ description: 'ISO 4217 code of the account\'s currency; null (the default): no conversion', example: 'PLN' });

export const CustomerLocale = z.enum(NOTIFICATION_LOCALES).openapi({ description: 'The language of the e-mails the customer gets: en, pl or ru', example: 'pl' });

export const CreateCustomerBody = z
  .object({
    external_ref: z.string().trim().min(1).max(200).openapi({ description: "The customer's id in the billing system", example: 'LMS-10042' }),
    name: z.string().trim().min(1).max(300).openapi({ example: 'Jan Kowalski' }),
    email: z.email().max(320).optional().openapi({ example: 'jan@example.com' }),
    // Optional rather than defaulted: the body an Idempotency-Key covers stays what the caller sent.
    locale: CustomerLocale.optional().openapi({ description: 'Default en' }),
    billing_currency: BillingCurrency.optional(),
  })
  .strict()
  .openapi('CreateCustomer');
export type CreateCustomerBody = z.infer<typeof CreateCustomerBody>;

export const Customer = z
  .object({
    id: z.string().openapi({ example: 'cus_3xZ1p0H5nq2Lr8bE' }),
    external_ref: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    locale: CustomerLocale,
    billing_currency: BillingCurrency,
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Customer');
export type Customer = z.infer<typeof Customer>;

export const createCustomerRoute = createRoute({
  method: 'post',
  path: '/v1/customers',
  tags: ['Customers'],
  summary: 'Create a customer',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: CreateCustomerBody } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: Customer } } },
    ...problemResponses(400, 401, 403, 409, 422),
  },
});

export const CreateCustomerTokenBody = z.object({ ...ExpiryFields }).strict().openapi('CreateCustomerToken');

export const CustomerToken = z
  .object({
    id: z.string().openapi({ description: 'The token\'s id, for DELETE /v1/api-keys/{id}' }),
    customer_id: z.string(),
    expires_at: z.string().openapi({ format: 'date-time', description: 'One hour after minting unless expires_at / expires_in said otherwise (at most P30D)' }),
    token: z.string().openapi({ description: 'Shown once. Lists, stops and reactivates only this customer\'s subscriptions.' }),
  })
  .openapi('CustomerToken');

export const UpdateCustomerBody = z
  .object({
    name: z.string().trim().min(1).max(300).optional(),
    email: z.email().max(320).nullable().optional().openapi({ description: 'null removes it (no customer e-mail is sent then)' }),
    locale: CustomerLocale.optional(),
    billing_currency: BillingCurrency.optional().openapi({ description: 'null stops converting its payments' }),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.email !== undefined || b.locale !== undefined || b.billing_currency !== undefined, 'name, email, locale or billing_currency')
  .openapi('UpdateCustomer');

export const updateCustomerRoute = createRoute({
  method: 'patch',
  path: '/v1/customers/{id}',
  tags: ['Customers'],
  summary: 'Change a customer\'s name, e-mail or locale',
  description: 'Fields left out stay as they are. The locale picks the language of e-mails queued from now on; one already queued keeps its own.',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    params: IdParam('cus_3xZ1p0H5nq2Lr8bE'),
    body: { required: true, content: { 'application/json': { schema: UpdateCustomerBody } } },
  },
  responses: {
    200: { description: 'The customer as it is now', content: { 'application/json': { schema: Customer } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const createCustomerTokenRoute = createRoute({
  method: 'post',
  path: '/v1/customers/{id}/tokens',
  tags: ['Customers'],
  summary: 'Mint a customer-scoped token for self-service calls',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: {
    params: IdParam('cus_3xZ1p0H5nq2Lr8bE'),
    body: { required: false, content: { 'application/json': { schema: CreateCustomerTokenBody } } },
  },
  responses: {
    201: { description: 'The token, shown once', content: { 'application/json': { schema: CustomerToken } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const getCustomerRoute = createRoute({
  method: 'get',
  path: '/v1/customers/{id}',
  tags: ['Customers'],
  summary: 'Get a customer',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { params: IdParam('cus_3xZ1p0H5nq2Lr8bE') },
  responses: {
    200: { description: 'The customer', content: { 'application/json': { schema: Customer } } },
    ...problemResponses(401, 403, 404),
  },
});

export const listCustomersRoute = createRoute({
  method: 'get',
  path: '/v1/customers',
  tags: ['Customers'],
  summary: 'List customers, newest first; find one by external_ref',
  description: '`external_ref` is matched exactly (the id in your billing system), `email` case-insensitively. Page with `next_cursor`.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      external_ref: z.string().max(200).optional().openapi({ example: 'LMS-10042' }),
      email: z.string().max(320).optional(),
      ...PageQuery,
    }),
  },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: pageOf(Customer).openapi('CustomerPage') } } },
    ...problemResponses(400, 401, 403),
  },
});
