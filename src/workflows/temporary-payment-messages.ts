import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** What `temporary-payment:<id>` is started with, answers and is told (src/workflows/temporary-payment.ts). */
export interface TemporaryPaymentInput {
  temporaryPaymentId: string;
  /** ISO timestamp, or null for `payment_expiration: never`. */
  expiresAt: string | null;
  /** How long the expiry clock runs when unsettle re-arms it (payment_expiration); null for never. */
  expirationMs: number | null;
  /**
   * A run started again for a temporary payment already settled (src/temporal/revive-temporary.ts):
   * a bank line that pays it after its expiry, or a person reopening an expiry or bank settlement.
   */
  settled?: { reason: SettledReason; bankLineId: string | null } | undefined;
}

export type TemporaryStatus = 'open' | 'settled';
export type SettledReason = 'bank' | 'manual' | 'expired';

export interface TemporaryPaymentState {
  temporaryPaymentId: string;
  status: TemporaryStatus;
  settledReason: SettledReason | null;
  expiresAt: string | null;
  bankLineId: string | null;
}

export interface ManualChange {
  /** Who asked (an API key id), for the history. */
  actor: string;
  note?: string | undefined;
}

/** A statement line matched this temporary payment (sent by the statement import). */
export const bankMatchedSignal = defineSignal<[{ lineId: string }]>('bankMatched');
export const settleUpdate = defineUpdate<TemporaryPaymentState, [ManualChange]>('settle');
export const unsettleUpdate = defineUpdate<TemporaryPaymentState, [ManualChange]>('unsettle');
export const temporaryPaymentStateQuery = defineQuery<TemporaryPaymentState>('state');
