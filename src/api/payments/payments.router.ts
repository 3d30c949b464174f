import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { parseIsoDurationMs } from '../../domain/duration.js';
import { minorFromJson } from '../../domain/money.js';
import { findPayment, listPayments } from '../../db/payments.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import { callerOf } from '../caller.js';
import type { AppEnv } from '../env.js';
import { fieldError } from '../field-error.js';
import { idempotent } from '../idempotency.js';
import { cancelPayment } from './cancel-payment.js';
import { createPendingPayment, ensureCheckout, freshReference } from './create-payment.js';
import { paymentJson } from './payment-json.js';
import { conversionOf } from '../../db/payment-conversions.js';
import { cancelPaymentRoute, createPaymentRoute, getPaymentRoute, listPaymentsRoute, variableSymbolRoute } from './payments.routes.js';

const MIN_EXPIRY_MS = 10_000;
const MAX_EXPIRY_MS = 30 * 24 * 3600_000;

export function paymentsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createPaymentRoute, async (c) => {
    const body = c.req.valid('json');
    const deps = c.get('deps');
    const result = await idempotent(callerOf(c), 'payments.create', body, async (tx) => {
      const money = fieldError('amount', () => minorFromJson(body.amount, body.currency));
      let ttlMs: number | undefined;
      if (body.expires_in !== undefined) {
        const ttl = fieldError('expires_in', () => parseIsoDurationMs(body.expires_in ?? ''));
        if (ttl < MIN_EXPIRY_MS || ttl > MAX_EXPIRY_MS) {
          throw new ValidationError('expires_in must be between PT10S and P30D', {
            errors: [{ path: 'expires_in', message: 'between PT10S and P30D' }],
          });
        }
        ttlMs = ttl;
      }
      const { row } = await createPendingPayment({ ...deps, pool: tx }, {
        customerId: body.customer_id,
        amountMinor: money.minor,
        currency: money.currency,
        gateway: body.gateway,
        description: body.description,
        ttlMs,
        reference: body.reference,
        saveCard: body.save_card,
      });
      return { status: 201 as const, body: paymentJson(row) };
    });
    // After the commit: a gateway that cannot be reached leaves the payment (and its workflow) in
    // place, and a retry of the key comes back here to start the checkout of the same payment.
    const row = await ensureCheckout(deps, result.body.id, body.save_card, c.get('log'));
    return c.json(paymentJson(row), 201);
  });

  app.openapi(listPaymentsRoute, async (c) => {
    const q = c.req.valid('query');
    const { pool } = c.get('deps');
    const rows = await listPayments(pool, {
      customerId: q.customer_id,
      gateway: q.gateway,
      status: q.status,
      mode: q.mode,
      createdFrom: q.created_from,
      createdTo: q.created_to,
      reference: q.reference,
      before: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map((r) => paymentJson(r)), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getPaymentRoute, async (c) => {
    const { pool } = c.get('deps');
    const row = await findPayment(pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such payment');
    return c.json({ ...paymentJson(row), ...(await conversionOf(pool, row.id)) }, 200);
  });

  app.openapi(cancelPaymentRoute, async (c) => {
    const { reason } = c.req.valid('json');
    return c.json(await cancelPayment(callerOf(c), c.req.valid('param').id, reason), 200);
  });

  app.openapi(variableSymbolRoute, async (c) => c.json({ reference: await freshReference(c.get('deps').pool) }, 200));

  return app;
}
