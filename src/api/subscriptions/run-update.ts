import type { UpdateDefinition } from '@temporalio/common';
import { NotFoundError } from '../../domain/errors.js';
import { findSubscription, type SubscriptionRow } from '../../db/subscriptions.js';
import { runUpdate } from '../../temporal/updates.js';
import { subscriptionWorkflowId } from '../../temporal/workflow-ids.js';
import type { Caller } from '../env.js';

/** The subscription, if the caller may see it: a customer token sees only its own customer's. */
export async function visibleSubscription(caller: Caller, id: string): Promise<SubscriptionRow> {
  const row = await findSubscription(caller.deps.pool, id);
  const { customerId } = caller.principal;
  if (!row || (customerId !== null && row.customer_id !== customerId)) throw new NotFoundError('no such subscription');
  return row;
}

/**
 * Sends a workflow update and answers with the row the workflow has just written, and the
 * update's own answer. A refusal by the workflow's validator is a 409 carrying its reason; a
 * finished workflow (system_stopped) too (src/temporal/errors.ts).
 */
export async function runSubscriptionUpdate<Ret, Args extends unknown[]>(
  caller: Caller,
  id: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  opts: { updateId?: string | undefined } = {},
): Promise<{ row: SubscriptionRow; answer: Ret }> {
  const before = await visibleSubscription(caller, id);
  const { temporal, pool } = caller.deps;
  const answer = await runUpdate(temporal, subscriptionWorkflowId(id), update, args, {
    ...opts,
    closed: `the subscription is ${before.state}${before.stopped_reason ? ` (${before.stopped_reason})` : ''}`,
    details: { state: before.state },
  });
  const after = await findSubscription(pool, id);
  if (!after) throw new NotFoundError('no such subscription');
  return { row: after, answer };
}
