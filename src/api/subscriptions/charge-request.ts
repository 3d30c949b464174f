import { StateConflictError } from '../../domain/errors.js';
import { findSubscription } from '../../db/subscriptions.js';
import { querySubscriptionState } from '../../temporal/queries.js';
import { chargeNowUpdate } from '../../workflows/subscription-messages.js';
import type { Caller } from '../env.js';
import { idempotentWorkflowCall } from '../idempotency.js';
import { runSubscriptionUpdate } from './run-update.js';
import { subscriptionJson } from './subscription-json.js';

/**
 * charge-now and /charges: the charge runs in the subscription workflow, which de-duplicates by the
 * request id made from the Idempotency-Key (src/workflows/charge-requests.ts) and carries it across
 * continue-as-new; the same id is the Temporal update id, so a repeat within one run attaches to
 * the first update. A retry whose first attempt may have reached the workflow asks again and gets
 * the first result, never a second charge.
 */
export async function requestCharge(caller: Caller, id: string, operation: 'subscriptions.charge' | 'subscriptions.charge_now', amount: number | undefined, opts: { required: boolean }) {
  const { temporal, pool } = caller.deps;
  return idempotentWorkflowCall(caller, operation, { subscription_id: id, amount }, opts, async (request) => {
    const args = { ...(amount !== undefined ? { amount } : {}), ...(request ? { requestId: request.id, keepMs: request.keepMs } : {}) };
    try {
      const { row } = await runSubscriptionUpdate(caller, id, chargeNowUpdate, [args], { updateId: request?.id });
      return { status: 200 as const, body: subscriptionJson(row) };
    } catch (err) {
      // The workflow has ended since a first attempt of this request: did that attempt reach it?
      if (!(err instanceof StateConflictError) || !request?.resumed) throw err;
      const snapshot = await querySubscriptionState(temporal, id);
      if (!snapshot?.chargeRequests?.some((e) => e.id === request.id && e.result !== null)) throw err;
      const row = await findSubscription(pool, id);
      if (!row) throw err;
      return { status: 200 as const, body: subscriptionJson(row) };
    }
  });
}
