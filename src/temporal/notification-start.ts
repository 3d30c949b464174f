import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { notificationWorkflow } from '../workflows/notification.js';
import { TollgateCustomerId, TollgateKind, TollgateState } from './search-attributes.js';
import { notificationWorkflowId } from './workflow-ids.js';

/**
 * Starts `notification:<id>`. Already started is success: a second outbox process (or a start
 * whose workflow_started_at write was lost) finds the first. A completed one is never run again,
 * so a sent e-mail is never sent by a second start.
 */
export async function startNotificationWorkflow(client: Client, taskQueue: string, n: { id: string; customerId: string | null }): Promise<void> {
  try {
    await client.workflow.start<typeof notificationWorkflow>('notificationWorkflow', {
      taskQueue,
      workflowId: notificationWorkflowId(n.id),
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      args: [{ notificationId: n.id }],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'notification' },
        ...(n.customerId ? [{ key: TollgateCustomerId, value: n.customerId }] : []),
        { key: TollgateState, value: 'queued' },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}
