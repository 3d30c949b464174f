import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { paymentWorkflow } from '../workflows/payment.js';
import type { refundWorkflow } from '../workflows/refund.js';
import type { statementImportWorkflow } from '../workflows/statement-import.js';
import type { subscriptionWorkflow } from '../workflows/subscription.js';
import type { SubscriptionSnapshot } from '../workflows/subscription-messages.js';
import { startFailure } from './errors.js';
import { TollgateAmountMinor, TollgateCustomerId, TollgateKind, TollgateNextActionAt, TollgateState } from './search-attributes.js';
import { paymentWorkflowId, refundWorkflowId, statementImportWorkflowId, subscriptionWorkflowId } from './workflow-ids.js';

// Every workflow the API starts, each under its business key with the search attributes an operator filters by.

/** Starts `payment:<id>`; a refusal is a 503 saying why (startFailure). */
export async function startPaymentWorkflow(
  client: Client,
  taskQueue: string,
  p: {
    id: string; customerId: string; amountMinor: bigint; expiresAt: Date; pollStatus: boolean; settlement: 'immediate' | 'deferred';
    recovers?: { subscriptionId: string; period: number };
  },
): Promise<void> {
  try {
    await client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', {
      taskQueue,
      workflowId: paymentWorkflowId(p.id),
      args: [{ paymentId: p.id, expiresAt: p.expiresAt.toISOString(), pollStatus: p.pollStatus, settlement: p.settlement, ...(p.recovers ? { recovers: p.recovers } : {}) }],
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

/**
 * Starts `refund:<id>`. Already started is success: the id is the refund's, so a second start (the
 * late-success path and the sweep racing) finds the first. Errors are the client's own; the API
 * turns them into a 503 with startFailure.
 */
export async function startRefundWorkflow(client: Client, taskQueue: string, r: { id: string; customerId: string; amountMinor: bigint }): Promise<void> {
  try {
    await client.workflow.start<typeof refundWorkflow>('refundWorkflow', {
      taskQueue,
      workflowId: refundWorkflowId(r.id),
      // A completed refund's workflow is never run again (its start answers "already started");
      // one that failed or was terminated may be, and then finds its refund where it was left.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      args: [{ refundId: r.id }],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'refund' },
        { key: TollgateCustomerId, value: r.customerId },
        { key: TollgateState, value: 'pending' },
        { key: TollgateAmountMinor, value: Number(r.amountMinor) },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}

/** Starts `subscription:<id>`; a refusal is a 503 saying why (startFailure). */
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

/**
 * Starts `bank-statement:<sha256>` unless it is already running (or ran: the id is the file's hash);
 * waits on Temporal at most `timeoutMs` and throws the client's error when it does not answer.
 */
export async function startStatementImport(client: Client, taskQueue: string, statement: { id: string; sha256: string }, timeoutMs: number): Promise<void> {
  try {
    await client.connection.withDeadline(Date.now() + timeoutMs, () =>
      client.workflow.start<typeof statementImportWorkflow>('statementImportWorkflow', {
        taskQueue,
        workflowId: statementImportWorkflowId(statement.sha256),
        args: [{ statementId: statement.id }],
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}
