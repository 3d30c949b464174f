import type { Client } from '@temporalio/client';
import { paymentWorkflowId } from './workflow-ids.js';

/**
 * Waits, at most `ms`, for `payment:<id>` to finish; never throws. The sandbox page uses it so the
 * workflow records the outcome before the payer lands on the result page, as a real processor's
 * redirect usually trails its callback.
 */
export async function awaitPaymentOutcome(client: Client, paymentId: string, ms: number): Promise<void> {
  await client.connection.withDeadline(Date.now() + ms, () => client.workflow.getHandle(paymentWorkflowId(paymentId)).result()).catch(() => undefined);
}
