import type { Client } from '@temporalio/client';
import type { paymentWorkflow } from '../workflows/payment.js';
import { startFailure } from './start-errors.js';
import { TollgateAmountMinor, TollgateCustomerId, TollgateKind, TollgateNextActionAt, TollgateState } from './search-attributes.js';
import { paymentWorkflowId } from './workflow-ids.js';

/** Starts `payment:<id>` with the search attributes an operator filters by. */
export async function startPaymentWorkflow(
  client: Client,
  taskQueue: string,
  p: { id: string; customerId: string; amountMinor: bigint; expiresAt: Date; pollStatus: boolean; settlement: 'immediate' | 'deferred' },
): Promise<void> {
  try {
    await client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', {
      taskQueue,
      workflowId: paymentWorkflowId(p.id),
      args: [{ paymentId: p.id, expiresAt: p.expiresAt.toISOString(), pollStatus: p.pollStatus, settlement: p.settlement }],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'payment' },
        { key: TollgateCustomerId, value: p.customerId },
        { key: TollgateState, value: 'pending' },
        { key: TollgateNextActionAt, value: p.expiresAt },
        { key: TollgateAmountMinor, value: Number(p.amountMinor) },
      ],
    });
  } catch (err) {
    throw startFailure(err);
  }
}
