import { randomInt } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { parseIsoDurationMs } from '../../domain/duration.js';
import { minorFromJson, toJsonMinor } from '../../domain/money.js';
import { referenceFromBody } from '../../domain/reference.js';
import { findCustomer } from '../../db/customers.js';
import { appendEvent } from '../../db/events.js';
import { newId } from '../../db/ids.js';
import { findPayment, insertPayment, type PaymentRow } from '../../db/payments.js';
import { inTransaction } from '../../db/pool.js';
import type { GatewayRegistry } from '../../gateways/types.js';
import { startPaymentWorkflow } from '../../temporal/start.js';
import type { AppEnv } from '../env.js';
import { fieldError } from '../field-error.js';
import { idempotent } from '../idempotency.js';
import { createPaymentRoute, getPaymentRoute, type Payment } from './payments.routes.js';

const MIN_EXPIRY_MS = 10_000;
const MAX_EXPIRY_MS = 30 * 24 * 3600_000;
const REFERENCE_DRAWS = 10;

export function paymentJson(row: PaymentRow, gateways: GatewayRegistry): Payment {
  const gateway = gateways.get(row.gateway);
  return {
    id: row.id,
    customer_id: row.customer_id,
    status: row.status,
    amount: toJsonMinor(row.amount_minor),
    currency: row.currency,
    gateway: row.gateway,
    mode: row.mode,
    description: row.description,
    reference: row.reference,
    checkout_url:
      row.status === 'pending' && gateway
        ? gateway.checkoutUrl({ id: row.id, amountMinor: row.amount_minor, currency: row.currency, description: row.description })
        : null,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
    completed_at: row.completed_at?.toISOString() ?? null,
    gateway_transaction_id: row.gateway_transaction_id,
    gateway_code: row.gateway_code,
    gateway_message: row.gateway_message,
  };
}

export function paymentsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createPaymentRoute, async (c) => {
    const body = c.req.valid('json');
    const { pool, gateways, temporal, config, now } = c.get('deps');
    const result = await idempotent(c, 'payments.create', body, async () => {
      const gateway = gateways.get(body.gateway);
      if (!gateway) {
        throw new ValidationError(`unknown gateway "${body.gateway}"`, {
          errors: [{ path: 'gateway', message: `one of: ${[...gateways.keys()].join(', ')}` }],
        });
      }
      const money = fieldError('amount', () => minorFromJson(body.amount, body.currency));
      const ttl = fieldError('expires_in', () => parseIsoDurationMs(body.expires_in));
      if (ttl < MIN_EXPIRY_MS || ttl > MAX_EXPIRY_MS) {
        throw new ValidationError('expires_in must be between PT10S and P30D', {
          errors: [{ path: 'expires_in', message: 'between PT10S and P30D' }],
        });
      }
      if (!(await findCustomer(pool, body.customer_id))) throw new NotFoundError(`no customer ${body.customer_id}`);

      const row = await inTransaction(pool, async (tx) => {
        const expiresAt = new Date(now().getTime() + ttl);
        const id = newId('pay');
        for (let draw = 0; draw < REFERENCE_DRAWS; draw += 1) {
          const reference = referenceFromBody(randomInt(100_000_000, 1_000_000_000));
          if (!reference) continue;
          const inserted = await insertPayment(tx, {
            id,
            customerId: body.customer_id,
            amountMinor: money.minor,
            currency: money.currency,
            gateway: gateway.name,
            mode: gateway.mode,
            description: body.description,
            reference,
            expiresAt,
          });
          if (!inserted) continue;
          await appendEvent(tx, {
            type: 'payment.created',
            aggregateType: 'payment',
            aggregateId: id,
            payload: { payment_id: id, customer_id: inserted.customer_id, amount: body.amount, currency: inserted.currency, reference: inserted.reference },
          });
          // Started inside the transaction: if Temporal is down, the row rolls back with it.
          await startPaymentWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, {
            id,
            customerId: inserted.customer_id,
            amountMinor: inserted.amount_minor,
            expiresAt,
          });
          return inserted;
        }
        throw new Error(`no free payment reference after ${REFERENCE_DRAWS} draws`);
      });
      return { status: 201 as const, body: paymentJson(row, gateways) };
    });
    return c.json(result.body, 201);
  });

  app.openapi(getPaymentRoute, async (c) => {
    const { pool, gateways } = c.get('deps');
    const row = await findPayment(pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such payment');
    return c.json(paymentJson(row, gateways), 200);
  });

  return app;
}
