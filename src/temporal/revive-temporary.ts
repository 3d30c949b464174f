import type { Client } from '@temporalio/client';
import type { TemporaryPaymentRow } from '../db/temporary-payments.js';
import type { temporaryPaymentWorkflow } from '../workflows/temporary-payment.js';
import { bankMatchedSignal, type TemporaryPaymentInput } from '../workflows/temporary-payment-messages.js';
import { TollgateAmountMinor, TollgateCustomerId, TollgateKind, TollgateState } from './search-attributes.js';
import { temporaryPaymentWorkflowId } from './workflow-ids.js';

/**
 * A settled temporary payment's workflow has ended (expiry and bank settlements are final for the
 * workflow, not for BillTech): a new run of `temporary-payment:<id>` starts in the settled state
 * the row shows, so the one writer of the aggregate is again its workflow. With a bank line it is
 * told at once (signal-with-start); otherwise it waits for the unsettle that follows. A run
 * already revived meanwhile is used as it is.
 */
export async function reviveTemporaryPayment(client: Client, taskQueue: string, row: TemporaryPaymentRow, match?: { lineId: string }): Promise<void> {
  if (row.status !== 'settled' || row.settled_reason === null) throw new Error(`temporary payment ${row.id} is open; nothing to revive`);
  const input: TemporaryPaymentInput = {
    temporaryPaymentId: row.id,
    expiresAt: null,
    expirationMs: row.expiration_ms === null ? null : Number(row.expiration_ms),
    settled: { reason: row.settled_reason, bankLineId: row.bank_line_id },
  };
  const options = {
    taskQueue,
    workflowId: temporaryPaymentWorkflowId(row.id),
    args: [input] as [TemporaryPaymentInput],
    typedSearchAttributes: [
      { key: TollgateKind, value: 'temporary_payment' },
      { key: TollgateCustomerId, value: row.customer_id },
      { key: TollgateState, value: `settled_${row.settled_reason}` },
      { key: TollgateAmountMinor, value: Number(row.amount_minor) },
    ],
  };
  if (match) {
    await client.workflow.signalWithStart<typeof temporaryPaymentWorkflow, [{ lineId: string }]>('temporaryPaymentWorkflow', { ...options, signal: bankMatchedSignal, signalArgs: [match] });
  } else {
    await client.workflow.start<typeof temporaryPaymentWorkflow>('temporaryPaymentWorkflow', { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
  }
}
