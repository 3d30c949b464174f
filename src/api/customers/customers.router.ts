import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, StateConflictError } from '../../domain/errors.js';
import { type CustomerRow, findCustomer, insertCustomer, listCustomers } from '../../db/customers.js';
import { decodeCursor, page } from '../cursor.js';
import { newId } from '../../db/ids.js';
import type { AppEnv } from '../env.js';
import { idempotent } from '../idempotency.js';
import { generateApiKey } from '../api-keys/api-keys.router.js';
import { insertApiKey } from '../../db/api-keys.js';
import { hashApiKey } from '../middleware/auth.js';
import { createCustomerRoute, createCustomerTokenRoute, type Customer, getCustomerRoute, listCustomersRoute } from './customers.routes.js';

export function customerJson(row: CustomerRow): Customer {
  return {
    id: row.id,
    external_ref: row.external_ref,
    name: row.name,
    email: row.email,
    created_at: row.created_at.toISOString(),
  };
}

export function customersRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createCustomerRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await idempotent(c, 'customers.create', body, async (tx) => {
      const row = await insertCustomer(tx, {
        id: newId('cus'),
        externalRef: body.external_ref,
        name: body.name,
        email: body.email ?? null,
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
    const token = generateApiKey();
    await insertApiKey(pool, {
      id: newId('key'),
      name: `customer token for ${customer.id}`,
      keyHash: hashApiKey(token),
      keyPrefix: token.slice(0, 8),
      scopes: ['customer'],
      customerId: customer.id,
    });
    return c.json({ customer_id: customer.id, token }, 201);
  });

  app.openapi(listCustomersRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listCustomers(c.get('deps').pool, { externalRef: q.external_ref, email: q.email, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = page(rows, q.limit);
    return c.json({ data: p.data.map(customerJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getCustomerRoute, async (c) => {
    const row = await findCustomer(c.get('deps').pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such customer');
    return c.json(customerJson(row), 200);
  });

  return app;
}
