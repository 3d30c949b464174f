import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { GatewayOutcome } from '../domain/payment.js';
import type { PaymentRow } from '../db/payments.js';
import { gatewayOutcomeSignal, type paymentWorkflow } from '../workflows/payment.js';
import type { SignalResult } from './signals.js';
import { isWorkflowClosed } from './errors.js';
import { TollgateAmountMinor, TollgateCustomerId, TollgateKind, TollgateNextActionAt, TollgateState } from './search-attributes.js';
import { paymentWorkflowId } from './workflow-ids.js';

/**
 * Starts a terminal's payment workflow `payment:<id>` with its success in one call
 * (signal-with-start): the pay is committed in Postgres before this, so the terminal's answer never
 * waits on Temporal, and the dispatcher (else the relay) calls this until it is told. A run that
 * exists takes the signal (the workflow keeps the first outcome); one that has closed is not started
 * again (REJECT_DUPLICATE) and is reported 'closed'.
 */
export async function startTerminalPayment(client: Client, taskQueue: string, p: PaymentRow, outcome: GatewayOutcome, opts: { timeoutMs?: number } = {}): Promise<SignalResult> {
  const send = () =>
    client.workflow.signalWithStart<typeof paymentWorkflow, [GatewayOutcome]>('paymentWorkflow', {
      taskQueue,
      workflowId: paymentWorkflowId(p.id),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ paymentId: p.id, expiresAt: p.expires_at.toISOString(), pollStatus: false, settlement: p.settlement }],
      signal: gatewayOutcomeSignal,
      signalArgs: [outcome],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'payment' },
        { key: TollgateCustomerId, value: p.customer_id },
        { key: TollgateState, value: 'pending' },
        { key: TollgateNextActionAt, value: p.expires_at },
        { key: TollgateAmountMinor, value: Number(p.amount_minor) },
      ],
    });
  try {
    await (opts.timeoutMs === undefined ? send() : client.connection.withDeadline(Date.now() + opts.timeoutMs, send));
    return 'told';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError || isWorkflowClosed(err)) return 'closed';
    throw err;
  }
}
