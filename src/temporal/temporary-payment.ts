import type { Client } from '@temporalio/client';
import type { TemporaryPaymentRow } from '../db/temporary-payments.js';
import { type ManualChange, type settleUpdate, type TemporaryPaymentState, unsettleUpdate } from '../workflows/temporary-payment-messages.js';
import { type ClosedWorkflow, isWorkflowClosed, updateFailure } from './errors.js';
import { reviveTemporaryPayment } from './revive-temporary.js';
import { sendUpdate } from './updates.js';
import { temporaryPaymentWorkflowId } from './workflow-ids.js';

/**
 * Sends a manual settle/unsettle to the temporary payment's workflow, which decides (so a hand
 * settlement never races the expiry or a bank match). An expiry or bank settlement ended its
 * workflow: reopening such a one starts a run in that state first (revive-temporary.ts). Failures
 * come out as updateFailure says (409 refused or final, 503 Temporal away).
 */
export async function changeTemporaryPayment(
  client: Client,
  taskQueue: string,
  before: TemporaryPaymentRow,
  /** settleUpdate or unsettleUpdate (the same shape). */
  update: typeof settleUpdate,
  change: ManualChange,
  when: ClosedWorkflow,
): Promise<TemporaryPaymentState> {
  const send = () => sendUpdate(client, temporaryPaymentWorkflowId(before.id), update, [change]);
  try {
    try {
      return await send();
    } catch (err) {
      if (!isWorkflowClosed(err) || update !== unsettleUpdate || before.status !== 'settled') throw err;
      await reviveTemporaryPayment(client, taskQueue, before);
      return await send();
    }
  } catch (err) {
    throw updateFailure(err, when);
  }
}
