import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, StateConflictError } from '../../domain/errors.js';
import { listLateSuccesses } from '../../db/late-success.js';
import { findPayment } from '../../db/payments.js';
import { inTransaction } from '../../db/pool.js';
import { completeRefund } from '../../db/refund-outcomes.js';
import { findRefund, listRefunds, type TargetRef } from '../../db/refunds.js';
import { callerOf } from '../caller.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv, Caller } from '../env.js';
import { idempotent } from '../idempotency.js';
import { createRefundOf } from './create-refund.js';
import { lateSuccessJson, refundJson } from './refund-json.js';
import {
  type CreateRefundBody,
  confirmRefundRoute,
  createAttemptRefundRoute,
  createPaymentRefundRoute,
  getRefundRoute,
  listLateSuccessesRoute,
  listPaymentRefundsRoute,
  listRefundsRoute,
} from './refunds.routes.js';

/**
 * Refunds as their own resource. Creating one is idempotent by a required Idempotency-Key (the
 * route's header schema refuses a request without one); what the key covers is the target and
 * the body, so the same key for another payment is 422, not that payment's refund.
 */
export function refundsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  const create = async (caller: Caller, target: TargetRef, body: CreateRefundBody) => {
    const result = await idempotent(caller, 'refunds.create', { target, ...body }, async (tx) => {
      // An integer count of the target's minor units (the schema checked it is a safe positive integer).
      const amountMinor = body.amount === undefined ? undefined : BigInt(body.amount);
      const row = await createRefundOf(caller.deps, tx, { target, amountMinor, reason: body.reason, requestedBy: caller.principal.apiKeyId });
      return { status: 201 as const, body: refundJson(row) };
    });
    return result.body;
  };

  app.openapi(createPaymentRefundRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(await create(callerOf(c), { paymentId: c.req.valid('param').id }, body), 201);
  });

  app.openapi(createAttemptRefundRoute, async (c) => {
    const { id, attemptId } = c.req.valid('param');
    return c.json(await create(callerOf(c), { subscriptionId: id, chargeAttemptId: attemptId }, c.req.valid('json')), 201);
  });

  app.openapi(listPaymentRefundsRoute, async (c) => {
    const { pool } = c.get('deps');
    const paymentId = c.req.valid('param').id;
    const q = c.req.valid('query');
    if (!(await findPayment(pool, paymentId))) throw new NotFoundError('no such payment');
    const rows = await listRefunds(pool, { paymentId, before: decodeCursor(q.cursor), limit: q.limit + 1 });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(refundJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(listRefundsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listRefunds(c.get('deps').pool, {
      status: q.status,
      gateway: q.gateway,
      customerId: q.customer_id,
      paymentId: q.payment_id,
      chargeAttemptId: q.charge_attempt_id,
      createdFrom: q.created_from,
      createdTo: q.created_to,
      before: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(refundJson), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getRefundRoute, async (c) => {
    const row = await findRefund(c.get('deps').pool, c.req.valid('param').id);
    if (!row) throw new NotFoundError('no such refund');
    return c.json(refundJson(row), 200);
  });

  // A person paid a requires_manual refund back. Only those: a gateway's refund is the gateway's to confirm.
  app.openapi(confirmRefundRoute, async (c) => {
    const id = c.req.valid('param').id;
    const note = c.req.valid('json').note;
    const principal = c.get('principal');
    const row = await inTransaction(c.get('deps').pool, async (tx) => {
      const current = await findRefund(tx, id, { forUpdate: true });
      if (!current) throw new NotFoundError('no such refund');
      if (current.status === 'succeeded' && current.confirmed_by !== null) return current;
      if (current.status !== 'requires_manual') {
        throw new StateConflictError(`the refund is ${current.status}; only a requires_manual refund is confirmed by hand`);
      }
      return completeRefund(tx, id, { status: 'succeeded', code: 'confirmed', message: note ?? 'paid back by hand', confirmedBy: principal.apiKeyId });
    });
    return c.json(refundJson(row), 200);
  });

  app.openapi(listLateSuccessesRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listLateSuccesses(c.get('deps').pool, {
      action: q.action,
      customerId: q.customer_id,
      gateway: q.gateway,
      before: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    const p = pageOf(rows, q.limit, keysetCursor);
    return c.json({ data: p.data.map(lateSuccessJson), next_cursor: p.next_cursor }, 200);
  });

  return app;
}
