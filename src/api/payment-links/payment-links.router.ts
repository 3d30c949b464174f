import { randomBytes } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { parseIsoDurationMs } from '../../domain/duration.js';
import { minorFromJson, toJsonMinor } from '../../domain/money.js';
import { findCustomer } from '../../db/customers.js';
import { newId } from '../../db/ids.js';
import { findPaymentLink, insertPaymentLink, type PaymentLinkRow } from '../../db/payment-links.js';
import { callerOf } from '../caller.js';
import type { AppEnv } from '../env.js';
import { fieldError } from '../field-error.js';
import { idempotent } from '../idempotency.js';
import { createPaymentLinkRoute, getPaymentLinkRoute, type PaymentLink } from './payment-links.routes.js';

const MIN_LINK_TTL_MS = 60_000;
const MAX_LINK_TTL_MS = 366 * 86_400_000;

export function linkStatus(row: PaymentLinkRow, now: Date): PaymentLink['status'] {
  if (row.paid_payment_id) return 'paid';
  return row.expires_at <= now || row.closed_at ? 'expired' : 'open';
}

export function paymentLinkJson(row: PaymentLinkRow, publicBaseUrl: string, now: Date): PaymentLink {
  return {
    id: row.id,
    token: row.token,
    url: `${publicBaseUrl}/pay/${row.token}`,
    customer_id: row.customer_id,
    kind: row.kind,
    amount: toJsonMinor(row.amount_minor),
    currency: row.currency,
    description: row.description,
    invoice_reference: row.invoice_reference,
    expires_at: row.expires_at.toISOString(),
    status: linkStatus(row, now),
    paid_payment_id: row.paid_payment_id,
    created_at: row.created_at.toISOString(),
  };
}

export function paymentLinksRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createPaymentLinkRoute, async (c) => {
    const body = c.req.valid('json');
    const { config, now } = c.get('deps');
    const result = await idempotent(callerOf(c), 'payment-links.create', body, async (tx) => {
      const money = fieldError('amount', () => minorFromJson(body.amount, body.currency));
      const ttl = fieldError('expires_in', () => parseIsoDurationMs(body.expires_in));
      if (ttl < MIN_LINK_TTL_MS || ttl > MAX_LINK_TTL_MS) {
        throw new ValidationError('expires_in must be between PT1M and P366D', { errors: [{ path: 'expires_in', message: 'between PT1M and P366D' }] });
      }
      if (!(await findCustomer(tx, body.customer_id))) throw new NotFoundError(`no customer ${body.customer_id}`);
      const row = await insertPaymentLink(tx, {
        id: newId('plk'),
        token: randomBytes(24).toString('base64url'),
        customer_id: body.customer_id,
        kind: body.kind,
        amount_minor: money.minor,
        currency: money.currency,
        description: body.description,
        invoice_reference: body.invoice_reference ?? null,
        customer_name: body.customer?.name ?? null,
        customer_email: body.customer?.email ?? null,
        expires_at: new Date(now().getTime() + ttl),
      });
      return { status: 201 as const, body: paymentLinkJson(row, config.publicBaseUrl, now()) };
    });
    return c.json(result.body, 201);
  });

  app.openapi(getPaymentLinkRoute, async (c) => {
    const { pool, config, now } = c.get('deps');
    const row = await findPaymentLink(pool, { id: c.req.valid('param').id });
    if (!row) throw new NotFoundError('no such payment link');
    return c.json(paymentLinkJson(row, config.publicBaseUrl, now()), 200);
  });

  return app;
}
