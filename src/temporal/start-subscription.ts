import type { Client } from '@temporalio/client';
import type { subscriptionWorkflow, SubscriptionSnapshot } from '../workflows/subscription.js';
import { startFailure } from './start-errors.js';
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
    throw startFailure(err);
  }
}
