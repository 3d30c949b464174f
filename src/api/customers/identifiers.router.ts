import { OpenAPIHono } from '@hono/zod-openapi';
import { findCustomer } from '../../db/customers.js';
import { type BalanceRow, findBalance, type IdentifierRow, listIdentifiers, lockCustomerForIdentifiers, replaceIdentifiers, upsertBalance } from '../../db/customer-identifiers.js';
import { inTransaction } from '../../db/pool.js';
import { NotFoundError, StateConflictError, ValidationError } from '../../domain/errors.js';
import { formatDecimal, parseDecimal } from '../../domain/money.js';
import { normaliseIdentifier, STORED_IDENTIFIER_KINDS } from '../../identification/normalise.js';
import type { AppEnv } from '../env.js';
import { fieldError } from '../field-error.js';
import { type CustomerBalance, type CustomerIdentifiers, getBalanceRoute, getIdentifiersRoute, type IdentifiersBody, putBalanceRoute, putIdentifiersRoute } from './identifiers.routes.js';

/** A billing system's clock may run a little ahead; further, and one push would shut out every later one. */
const AS_OF_FUTURE_LEEWAY_MS = 5 * 60_000;

function identifiersJson(customerId: string, externalRef: string, rows: IdentifierRow[]): CustomerIdentifiers {
  const of = (kind: string) => rows.find((r) => r.kind === kind)?.value ?? null;
  return { customer_id: customerId, uid: externalRef, contract: of('contract'), login: of('login'), phone: of('phone') };
}

function balanceJson(row: BalanceRow): CustomerBalance {
  return {
    customer_id: row.customer_id,
    balance: formatDecimal({ minor: row.balance_minor, currency: row.currency }),
    currency: row.currency,
    active: row.active,
    as_of: row.as_of.toISOString(),
  };
}

/** The body's set, normalised; a value that cannot be its kind is a 400 naming the field. */
function normalisedSet(body: IdentifiersBody): IdentifierRow[] {
  const set: IdentifierRow[] = [];
  const errors: Array<{ path: string; message: string }> = [];
  for (const kind of STORED_IDENTIFIER_KINDS) {
    const raw = body[kind];
    if (raw === undefined || raw === null) continue;
    const n = normaliseIdentifier(kind, raw);
    if ('problem' in n) errors.push({ path: kind, message: n.problem });
    else set.push({ kind, value: n.value });
  }
  if (errors.length) throw new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  return set;
}

/** PUT/GET /v1/customers/:id/identifiers and /balance: what terminals and the portal identify payers by (src/identification). */
export function customerIdentifiersRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(putIdentifiersRoute, async (c) => {
    const id = c.req.valid('param').id;
    const set = normalisedSet(c.req.valid('json'));
    const result = await inTransaction(c.get('deps').pool, async (tx) => {
      if (!(await lockCustomerForIdentifiers(tx, id))) throw new NotFoundError('no such customer');
      const taken = await replaceIdentifiers(tx, id, set);
      // Which customer holds it is not said: the caller learns only that this value is not free.
      if (taken.length) {
        const errors = taken.map((kind) => ({ path: kind, message: `this ${kind} belongs to another customer` }));
        throw new StateConflictError(`identifier taken: ${taken.join(', ')}`, { errors });
      }
      return listIdentifiers(tx, id);
    });
    const customer = await findCustomer(c.get('deps').pool, id);
    if (!customer) throw new NotFoundError('no such customer');
    return c.json(identifiersJson(id, customer.external_ref, result), 200);
  });

  app.openapi(getIdentifiersRoute, async (c) => {
    const { pool } = c.get('deps');
    const customer = await findCustomer(pool, c.req.valid('param').id);
    if (!customer) throw new NotFoundError('no such customer');
    return c.json(identifiersJson(customer.id, customer.external_ref, await listIdentifiers(pool, customer.id)), 200);
  });

  app.openapi(putBalanceRoute, async (c) => {
    const { pool, now } = c.get('deps');
    const id = c.req.valid('param').id;
    const body = c.req.valid('json');
    const minor = fieldError('balance', () => parseDecimal(body.balance, body.currency)).minor;
    const asOf = body.as_of === undefined ? now() : new Date(body.as_of);
    if (asOf.getTime() > now().getTime() + AS_OF_FUTURE_LEEWAY_MS) {
      throw new ValidationError('as_of: is in the future', { errors: [{ path: 'as_of', message: 'is more than 5 minutes in the future' }] });
    }
    const customer = await findCustomer(pool, id);
    if (!customer) throw new NotFoundError('no such customer');
    const row = await upsertBalance(pool, { customer_id: id, balance_minor: minor, currency: body.currency, active: body.active, as_of: asOf });
    if (!row) throw new StateConflictError('a balance with a later as_of is stored already', { errors: [{ path: 'as_of', message: 'older than the stored balance' }] });
    return c.json(balanceJson(row), 200);
  });

  app.openapi(getBalanceRoute, async (c) => {
    const row = await findBalance(c.get('deps').pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no balance pushed for this customer');
    return c.json(balanceJson(row), 200);
  });

  return app;
}
