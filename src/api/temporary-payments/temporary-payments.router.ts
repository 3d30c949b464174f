import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFoundError } from '../../domain/errors.js';
import { toJsonMinor } from '../../domain/money.js';
import { findTemporaryPayment, listTemporaryHistory, listTemporaryPayments, type TemporaryPaymentRow } from '../../db/temporary-payments.js';
import { changeTemporaryPayment } from '../../temporal/temporary-payment.js';
import { settleUpdate, unsettleUpdate } from '../../workflows/temporary-payment-messages.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { getTemporaryRoute, listTemporaryRoute, settleRoute, type TemporaryPayment, unsettleRoute } from './temporary-payments.routes.js';

export function temporaryPaymentJson(t: TemporaryPaymentRow): TemporaryPayment {
  return {
    id: t.id,
    payment_id: t.payment_id,
    customer_id: t.customer_id,
    status: t.status,
    settled_reason: t.settled_reason,
    settled_at: t.settled_at?.toISOString() ?? null,
    expires_at: t.expires_at?.toISOString() ?? null,
    amount: toJsonMinor(t.amount_minor),
    currency: t.currency,
    reference: t.reference,
    bank_line_id: t.bank_line_id,
    created_at: t.created_at.toISOString(),
  };
}

/**
 * Sends a manual settle/unsettle to the workflow, which decides (so a hand settlement never
 * races the expiry or a bank match), and answers with the row it wrote.
 */
async function manualChange(c: Context<AppEnv>, id: string, update: typeof settleUpdate, note: string | undefined) {
  const { pool, temporal, config } = c.get('deps');
  const before = await findTemporaryPayment(pool, id);
  if (!before) throw new NotFoundError('no such temporary payment');
  const describe = (t: TemporaryPaymentRow) => (t.status === 'open' ? 'open' : `settled (${t.settled_reason ?? ''})`);
  await changeTemporaryPayment(temporal, config.TEMPORAL_TASK_QUEUE, before, update, { actor: c.get('principal').apiKeyId, note }, {
    closed: `the temporary payment is ${describe(before)}; that is final`,
    details: { status: before.status, settled_reason: before.settled_reason },
  });
  const after = await findTemporaryPayment(pool, id);
  if (!after) throw new NotFoundError('no such temporary payment');
  return temporaryPaymentJson(after);
}

export function temporaryPaymentsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listTemporaryRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listTemporaryPayments(c.get('deps').pool, {
      status: q.status,
      customerId: q.customer_id,
      before: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(temporaryPaymentJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getTemporaryRoute, async (c) => {
    const { pool } = c.get('deps');
    const id = c.req.valid('param').id;
    const row = await findTemporaryPayment(pool, id);
    if (!row) throw new NotFoundError('no such temporary payment');
    const history = await listTemporaryHistory(pool, id);
    return c.json(
      {
        ...temporaryPaymentJson(row),
        history: history.map((h) => ({
          action: h.action,
          reason: h.reason,
          actor: h.actor,
          expires_at: h.expires_at?.toISOString() ?? null,
          bank_line_id: h.bank_line_id,
          at: h.created_at.toISOString(),
        })),
      },
      200,
    );
  });

  app.openapi(settleRoute, async (c) => {
    const body = c.req.valid('json') as { note?: string } | undefined;
    return c.json(await manualChange(c, c.req.valid('param').id, settleUpdate, body?.note), 200);
  });
  app.openapi(unsettleRoute, async (c) => {
    const body = c.req.valid('json') as { note?: string } | undefined;
    return c.json(await manualChange(c, c.req.valid('param').id, unsettleUpdate, body?.note), 200);
  });

  return app;
}
