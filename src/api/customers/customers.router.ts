import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, StateConflictError } from '../../domain/errors.js';
import { type CustomerRow, findCustomer, insertCustomer, listCustomers, updateCustomer } from '../../db/customers.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import { newId } from '../../db/ids.js';
import { callerOf } from '../caller.js';
import type { AppEnv } from '../env.js';
import { idempotent } from '../idempotency.js';
import { mintApiKeyRecord } from '../api-keys/api-keys.router.js';
import { resolveExpiry } from '../api-keys/expiry.js';
import { customerIdentifiersRouter } from './identifiers.router.js';
import { createCustomerRoute, createCustomerTokenRoute, type Customer, getCustomerRoute, listCustomersRoute, updateCustomerRoute } from './customers.routes.js';

export function customerJson(row: CustomerRow): Customer {
  return {
    id: row.id,
    external_ref: row.external_ref,
    name: row.name,
    email: row.email,
    locale: row.locale,
    billing_currency: row.billing_currency,
    created_at: row.created_at.toISOString(),
  };
}

/** Customer tokens sit in a browser or an app: short-lived unless the billing system asks otherwise. */
const CUSTOMER_TOKEN_EXPIRY = { defaultMs: 60 * 60_000, maxMs: 30 * 24 * 60 * 60_000, maxText: 'P30D' };

export function customersRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createCustomerRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await idempotent(callerOf(c), 'customers.create', body, async (tx) => {
      const row = await insertCustomer(tx, {
        id: newId('cus'),
        externalRef: body.external_ref,
        name: body.name,
        email: body.email ?? null,
        locale: body.locale,
        billingCurrency: body.billing_currency,
      });
      if (!row) throw new StateConflictError(`a customer with external_ref "${body.external_ref}" already exists`);
      return { status: 201 as const, body: customerJson(row) };
    });
    return c.json(result.body, 201);
  });

  app.openapi(createCustomerTokenRoute, async (c) => {
    const { pool } = c.get('deps');
    const customer = await findCustomer(pool, c.req.valid('param').id);
    if (!customer) throw new NotFoundError('no such customer');
    const expiresAt = resolveExpiry(c.req.valid('json'), c.get('deps').now(), CUSTOMER_TOKEN_EXPIRY);
    const { row, key } = await mintApiKeyRecord(pool, { name: `customer token for ${customer.id}`, scopes: ['customer'], customerId: customer.id, expiresAt });
    return c.json({ id: row.id, customer_id: customer.id, token: key, expires_at: row.expires_at?.toISOString() ?? '' }, 201);
  });

  app.openapi(listCustomersRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listCustomers(c.get('deps').pool, { externalRef: q.external_ref, email: q.email, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(customerJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getCustomerRoute, async (c) => {
    const row = await findCustomer(c.get('deps').pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such customer');
    return c.json(customerJson(row), 200);
  });

  app.openapi(updateCustomerRoute, async (c) => {
    const body = c.req.valid('json');
    const row = await updateCustomer(c.get('deps').pool, c.req.valid('param').id, body);
    if (!row) throw new NotFoundError('no such customer');
    return c.json(customerJson(row), 200);
  });

  app.route('/', customerIdentifiersRouter());
  return app;
}
