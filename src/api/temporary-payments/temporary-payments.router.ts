import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFoundError, StateConflictError, UnavailableError } from '../../domain/errors.js';
import { toJsonMinor } from '../../domain/money.js';
import { findTemporaryPayment, listTemporaryHistory, listTemporaryPayments, type TemporaryPaymentRow } from '../../db/temporary-payments.js';
import { temporaryPaymentWorkflowId } from '../../temporal/workflow-ids.js';
import { STATE_CONFLICT } from '../../workflows/subscription-messages.js';
import { reviveTemporaryPayment } from '../../temporal/revive-temporary.js';
import { settleUpdate, unsettleUpdate } from '../../workflows/temporary-payment.js';
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
  const { pool, temporal } = c.get('deps');
  const before = await findTemporaryPayment(pool, id);
  if (!before) throw new NotFoundError('no such temporary payment');
  const describe = (t: TemporaryPaymentRow) => (t.status === 'open' ? 'open' : `settled (${t.settled_reason ?? ''})`);
  const send = () => temporal.workflow.getHandle(temporaryPaymentWorkflowId(id)).executeUpdate(update, { args: [{ actor: c.get('principal').apiKeyId, note }] });
  try {
    try {
      await send();
    } catch (err) {
      // An expiry or bank settlement ended its workflow; reopening it starts a run in that state.
      const closed = err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message));
      if (!closed || update !== unsettleUpdate || before.status !== 'settled') throw err;
      await reviveTemporaryPayment(temporal, c.get('deps').config.TEMPORAL_TASK_QUEUE, before);
      await send();
    }
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === STATE_CONFLICT) {
      throw new StateConflictError(err.cause.message, { status: before.status, settled_reason: before.settled_reason });
    }
    if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message))) {
      throw new StateConflictError(`the temporary payment is ${describe(before)}; that is final`, { status: before.status, settled_reason: before.settled_reason });
    }
    if (err instanceof WorkflowUpdateFailedError) throw err;
    throw new UnavailableError('Temporal is unreachable; nothing changed, retry shortly', { cause: err instanceof Error ? err.message : String(err) });
  }
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
