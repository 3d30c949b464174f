import { defineSignal } from '@temporalio/workflow';

/**
 * A dispute opened or closed, as the callback relay delivers it to `dispute:<gateway>:<gateway
 * dispute id>` (signal-with-start: the first message of a dispute starts its workflow). Amounts
 * are integer minor units as a decimal string (JSON has no bigint).
 */
export interface DisputeUpdateSignal {
  gateway: string;
  gatewayDisputeId: string;
  status: 'open' | 'won' | 'lost';
  amountMinor: string;
  currency: string;
  reason: string | null;
  /** The disputed money, resolved by the journal: exactly one is set. */
  paymentId: string | null;
  chargeAttemptId: string | null;
  /** The journal row that carried it (the callback's own id), for the dispute's history. */
  journalId: string;
}

export interface DisputeWorkflowInput {
  gateway: string;
  gatewayDisputeId: string;
}

export const disputeUpdateSignal = defineSignal<[DisputeUpdateSignal]>('disputeUpdate');
