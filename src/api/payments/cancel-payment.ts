import { NotFoundError, StateConflictError } from '../../domain/errors.js';
import { canceledByRequest, findPayment, type PaymentRow } from '../../db/payments.js';
import type { Payment } from './payments.routes.js';
import { paymentJson } from './payment-json.js';
import { runUpdate } from '../../temporal/updates.js';
import { paymentWorkflowId } from '../../temporal/workflow-ids.js';
import { cancelPaymentUpdate } from '../../workflows/payment-messages.js';
import type { Caller } from '../env.js';
import { idempotentWorkflowCall } from '../idempotency.js';

const notPending = (row: PaymentRow) => new StateConflictError(`the payment is ${row.status}; only a pending payment can be canceled`, { status: row.status });

/**
 * Cancels a pending payment through its workflow (update `cancel`), which writes `canceled` and
 * `payment.canceled` and answers once the payment is final. A payment that is not pending, or
 * whose gateway outcome the workflow took first, is a 409 carrying the status it has; nothing
 * changes. With an Idempotency-Key a retry answers the first cancel (the key's request id is on
 * the event and is the update's id).
 */
export async function cancelPayment(caller: Caller, id: string, reason: string | undefined): Promise<Payment> {
  const { pool, temporal } = caller.deps;
  const result = await idempotentWorkflowCall(caller, 'payments.cancel', { payment_id: id, reason }, { required: false }, async (request) => {
    const before = await findPayment(pool, id);
    if (!before) throw new NotFoundError('no such payment');
    if (before.status !== 'pending') {
      if (request?.resumed && before.status === 'canceled' && (await canceledByRequest(pool, id, request.id))) return { status: 200 as const, body: paymentJson(before) };
      throw notPending(before);
    }
    try {
      await runUpdate(temporal, paymentWorkflowId(id), cancelPaymentUpdate, [{ by: caller.principal.apiKeyId, reason, ...(request ? { requestId: request.id } : {}) }], {
        closed: 'the payment is no longer pending',
        updateId: request?.id,
      });
    } catch (err) {
      // Refused (the workflow had written another status) or ended: say the status it has now.
      if (!(err instanceof StateConflictError)) throw err;
      const now = await findPayment(pool, id);
      if (now?.status === 'pending') throw new StateConflictError("the payment's workflow is not running, so it cannot be canceled now", { status: now.status });
      throw now ? notPending(now) : err;
    }
    const after = await findPayment(pool, id);
    if (!after) throw new NotFoundError('no such payment');
    if (after.status !== 'canceled') throw notPending(after);
    return { status: 200 as const, body: paymentJson(after) };
  });
  return result.body;
}
