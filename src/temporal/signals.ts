import type { Client } from '@temporalio/client';
import type { BankLineRow } from '../db/bank-statements.js';
import type { GatewayOutcome } from '../domain/payment.js';
import { gatewayOutcomeSignal } from '../workflows/payment-messages.js';
import { bankMatchedSignal } from '../workflows/temporary-payment-messages.js';
import type { RefundOutcome } from '../gateways/types.js';
import { type DisputeUpdateSignal, disputeUpdateSignal, type DisputeWorkflowInput } from '../workflows/dispute-messages.js';
import { refundOutcomeSignal } from '../workflows/refund-messages.js';
import { isWorkflowClosed } from './errors.js';
import { TollgateKind } from './search-attributes.js';
import { disputeWorkflowId, paymentWorkflowId, refundWorkflowId, temporaryPaymentWorkflowId } from './workflow-ids.js';

/** Whether a signal reached a running workflow or found it ended; Temporal being away throws. */
export type SignalResult = 'told' | 'closed';

/** Tells `payment:<id>` the gateway's verdict (a callback, a statement line, the relay). */
export function signalGatewayOutcome(client: Client, paymentId: string, outcome: GatewayOutcome, opts: { timeoutMs?: number } = {}): Promise<SignalResult> {
  return bounded(client, opts, () => client.workflow.getHandle(paymentWorkflowId(paymentId)).signal(gatewayOutcomeSignal, outcome));
}

/** Tells `refund:<id>` what its gateway reported by callback. */
export function signalRefundOutcome(client: Client, refundId: string, outcome: RefundOutcome, opts: { timeoutMs?: number } = {}): Promise<SignalResult> {
  return bounded(client, opts, () => client.workflow.getHandle(refundWorkflowId(refundId)).signal(refundOutcomeSignal, outcome));
}

/**
 * Tells a dispute's workflow of an update, starting it with the first (signal-with-start): a
 * dispute exists in Tollgate from the gateway's first message about it. A dispute whose workflow
 * has ended gets a new run, which finds the dispute closed and changes nothing (a closed dispute
 * never reopens), so a late or repeated update is never lost nor acted on twice.
 */
export function signalDisputeUpdate(client: Client, taskQueue: string, update: DisputeUpdateSignal, opts: { timeoutMs?: number } = {}): Promise<SignalResult> {
  const input: DisputeWorkflowInput = { gateway: update.gateway, gatewayDisputeId: update.gatewayDisputeId };
  return bounded(client, opts, () =>
    client.workflow.signalWithStart('disputeWorkflow', {
      taskQueue,
      workflowId: disputeWorkflowId(update.gateway, update.gatewayDisputeId),
      args: [input],
      signal: disputeUpdateSignal,
      signalArgs: [update],
      typedSearchAttributes: [{ key: TollgateKind, value: 'dispute' }],
    }),
  );
}

/** Runs a signal, bounded when asked: a sender must not wait on a Temporal outage; the relay takes over. */
async function bounded(client: Client, opts: { timeoutMs?: number }, send: () => Promise<unknown>): Promise<SignalResult> {
  try {
    await (opts.timeoutMs === undefined ? send() : client.connection.withDeadline(Date.now() + opts.timeoutMs, send));
    return 'told';
  } catch (err) {
    if (isWorkflowClosed(err)) return 'closed';
    throw err;
  }
}

/**
 * Tells a matched line's workflow (the temporary payment's, or the bank-transfer payment's as a
 * success). Returns why the match cannot stand when the workflow had already closed (the temporary
 * payment expired a moment before); throws when Temporal is unreachable.
 */
export async function tellBankMatch(client: Client, line: BankLineRow): Promise<string | undefined> {
  try {
    if (line.temporary_payment_id) {
      await client.workflow.getHandle(temporaryPaymentWorkflowId(line.temporary_payment_id)).signal(bankMatchedSignal, { lineId: line.id });
    } else if (line.payment_id) {
      const outcome: GatewayOutcome = {
        status: 'succeeded',
        code: 'bank_statement',
        message: `bank statement line ${line.line_no}${line.bank_reference ? ` (bank reference ${line.bank_reference})` : ''}`,
        gatewayTransactionId: line.id,
      };
      await client.workflow.getHandle(paymentWorkflowId(line.payment_id)).signal(gatewayOutcomeSignal, outcome);
    }
    return undefined;
  } catch (err) {
    if (isWorkflowClosed(err)) {
      return `${line.temporary_payment_id ? `temporary payment ${line.temporary_payment_id}` : `payment ${line.payment_id ?? ''}`} had closed before the match reached it`;
    }
    throw err;
  }
}
