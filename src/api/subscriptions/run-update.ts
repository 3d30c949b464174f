import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError, StateConflictError, UnavailableError } from '../../domain/errors.js';
import { findSubscription, type SubscriptionRow } from '../../db/subscriptions.js';
import { subscriptionWorkflowId } from '../../temporal/workflow-ids.js';
import { STATE_CONFLICT } from '../../workflows/subscription-messages.js';
import type { AppEnv, Caller } from '../env.js';

/** The subscription, if the caller may see it: a customer token sees only its own customer's. */
export async function visibleSubscription(caller: Caller, id: string): Promise<SubscriptionRow> {
  const row = await findSubscription(caller.deps.pool, id);
  const { customerId } = caller.principal;
  if (!row || (customerId !== null && row.customer_id !== customerId)) throw new NotFoundError('no such subscription');
  return row;
}

/**
 * Sends a workflow update and answers with the row the workflow has just written. A refusal by the
 * workflow's validator is a 409 carrying its reason; a finished workflow (system_stopped) too.
 */
export async function runSubscriptionUpdate(
  caller: Caller,
  id: string,
  send: (handle: ReturnType<AppEnv['Variables']['deps']['temporal']['workflow']['getHandle']>) => Promise<unknown>,
): Promise<SubscriptionRow> {
  const before = await visibleSubscription(caller, id);
  const { temporal, pool } = caller.deps;
  try {
    await send(temporal.workflow.getHandle(subscriptionWorkflowId(id)));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === STATE_CONFLICT) {
      throw new StateConflictError(err.cause.message, { state: before.state });
    }
    if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message))) {
      throw new StateConflictError(`the subscription is ${before.state}${before.stopped_reason ? ` (${before.stopped_reason})` : ''}`, { state: before.state });
    }
    if (err instanceof WorkflowUpdateFailedError) throw err;
    throw new UnavailableError('Temporal is unreachable; nothing changed, retry shortly', { cause: err instanceof Error ? err.message : String(err) });
  }
  const after = await findSubscription(pool, id);
  if (!after) throw new NotFoundError('no such subscription');
  return after;
}
