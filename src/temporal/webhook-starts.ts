import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { webhookDeliveryWorkflow } from '../workflows/webhook-delivery.js';
import { TollgateKind, TollgateState } from './search-attributes.js';
import { webhookDeliveryWorkflowId } from './workflow-ids.js';

/**
 * The task queue of webhook deliveries, beside the payments' queue: each worker process runs a
 * second Worker on it with its own workflow and activity slots, so delivery workflows and their
 * HTTP calls never queue in front of a payment's tasks (src/worker/create-worker.ts).
 */
export const webhookTaskQueue = (taskQueue: string): string => `${taskQueue}-webhooks`;

/**
 * Starts `webhook-delivery:<id>:<run>` on the webhooks queue; true when it runs (already started
 * counts: two outbox passes may race, and a start whose mark was lost is repeated). A finished
 * run is never run again under the same id (REJECT_DUPLICATE): a retry is a new run. `eager` (the
 * client shares this process's Workers' NativeConnection) asks the server to return the first
 * workflow task with the start, to this process's webhook Worker, which makes the first attempt
 * at once; the server falls back to the task queue when that Worker has no slot free.
 */
export async function startWebhookDeliveryWorkflow(client: Client, taskQueue: string, d: { id: string; run: number }, o: { eager?: boolean } = {}): Promise<void> {
  try {
    await client.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      taskQueue: webhookTaskQueue(taskQueue),
      ...(o.eager === true && { requestEagerStart: true }),
      workflowId: webhookDeliveryWorkflowId(d.id, d.run),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ deliveryId: d.id, run: d.run }],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'webhook_delivery' },
        { key: TollgateState, value: 'pending' },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}
