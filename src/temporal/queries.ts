import type { Client } from '@temporalio/client';
import { subscriptionStateQuery, type SubscriptionSnapshot } from '../workflows/subscription-messages.js';
import { paymentWorkflowId, statementImportWorkflowId, subscriptionWorkflowId } from './workflow-ids.js';

/** The subscription workflow's own state, or undefined when it cannot be asked (ended and gone, Temporal away). */
export async function querySubscriptionState(client: Client, subscriptionId: string): Promise<SubscriptionSnapshot | undefined> {
  return client.workflow
    .getHandle(subscriptionWorkflowId(subscriptionId))
    .query(subscriptionStateQuery)
    .catch(() => undefined);
}

/** Waits up to `timeoutMs` for a workflow to end; true if it ended (however), false if it was still running or could not be asked. */
async function waitForEnd(client: Client, workflowId: string, timeoutMs: number): Promise<boolean> {
  return client.connection
    .withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).result())
    .then(
      () => true,
      () => false,
    );
}

/** Waits a bounded time for a statement's import, so an upload can answer with its lines decided. */
export function waitForStatementImport(client: Client, sha256: string, timeoutMs: number): Promise<boolean> {
  return waitForEnd(client, statementImportWorkflowId(sha256), timeoutMs);
}

/** Waits a bounded time for a payment's workflow to record its outcome (the sandbox checkout). */
export function waitForPaymentWorkflow(client: Client, paymentId: string, timeoutMs: number): Promise<boolean> {
  return waitForEnd(client, paymentWorkflowId(paymentId), timeoutMs);
}

/** Whether Temporal's frontend answers within `timeoutMs` (/readyz). */
export async function temporalReachable(client: Client, timeoutMs: number): Promise<boolean> {
  return client.connection
    .withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}))
    .then(
      () => true,
      () => false,
    );
}
