import type { Client } from '@temporalio/client';
import { UnavailableError } from '../domain/errors.js';
import type { subscriptionWorkflow, SubscriptionSnapshot } from '../workflows/subscription.js';
import { TollgateAmountMinor, TollgateCustomerId, TollgateKind, TollgateNextActionAt, TollgateState } from './search-attributes.js';
import { subscriptionWorkflowId } from './workflow-ids.js';

/** Starts `subscription:<id>` with the search attributes an operator filters by. */
export async function startSubscriptionWorkflow(client: Client, taskQueue: string, snapshot: SubscriptionSnapshot): Promise<void> {
  try {
    await client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
      taskQueue,
      workflowId: subscriptionWorkflowId(snapshot.subscriptionId),
      args: [snapshot],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'subscription' },
        { key: TollgateCustomerId, value: snapshot.customerId },
        { key: TollgateState, value: snapshot.state },
        ...(snapshot.nextChargeAt ? [{ key: TollgateNextActionAt, value: new Date(snapshot.nextChargeAt) }] : []),
        { key: TollgateAmountMinor, value: snapshot.terms.amountMinor },
      ],
    });
  } catch (err) {
    throw new UnavailableError('Temporal is unreachable; nothing was created, retry with the same Idempotency-Key', {
      cause: err instanceof Error ? err.message : String(err),
    });
  }
}
