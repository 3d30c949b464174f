import { ApplicationFailure } from '@temporalio/common';
import { toJsonMinor } from '../domain/money.js';
import type { DisputeFields } from '../events/schemas/payment.js';
import { appendEvent } from '../db/events.js';
import { closeDispute, type DisputeRow, type DisputeStatus, findDispute, findDisputedMoney, insertDispute } from '../db/disputes.js';
import { newId } from '../db/ids.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import type { DisputeUpdateSignal } from '../workflows/dispute-messages.js';
import type { PaymentActivityDeps } from './payments.js';

/** The named failure of an update the ledger cannot take (retrying would not change it). */
export const DISPUTE_REJECTED = 'DisputeRejected';

/** What recording one update did, for the dispute's workflow. */
export interface DisputeRecorded {
  disputeId: string;
  customerId: string;
  /** The dispute's status after this update (a closed dispute stays closed, whatever came after). */
  status: DisputeStatus;
  /** What this update changed: nothing for a repeat or an `open` after the close. */
  opened: boolean;
  closed: boolean;
  /**
   * Set whenever the dispute is lost and the subscription it was charged for must stop — not only
   * when this update closed it: a retry of this activity after a lost answer finds the row closed
   * already, and the stop must still be told (the subscription takes it once).
   */
  stopSubscription: { subscriptionId: string; chargeAttemptId: string } | null;
}

function rejected(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, DISPUTE_REJECTED);
}

/** What every dispute event carries. */
function disputePayload(d: DisputeRow, subscriptionId: string | null): DisputeFields {
  return {
    dispute_id: d.id,
    gateway: d.gateway,
    gateway_dispute_id: d.gateway_dispute_id,
    payment_id: d.payment_id,
    charge_attempt_id: d.charge_attempt_id,
    subscription_id: subscriptionId,
    customer_id: d.customer_id,
    amount: toJsonMinor(d.amount_minor),
    currency: d.currency,
    reason: d.reason,
  };
}

/** A payment's dispute events belong to the payment; a charge attempt's to its subscription. */
function aggregateOf(d: DisputeRow, subscriptionId: string | null): { aggregateType: 'payment' | 'subscription'; aggregateId: string } {
  return d.payment_id !== null ? { aggregateType: 'payment', aggregateId: d.payment_id } : { aggregateType: 'subscription', aggregateId: subscriptionId ?? '' };
}

async function appendClosed(tx: Queryable, d: DisputeRow, subscriptionId: string | null, subscriptionAction: 'stop' | 'keep' | null): Promise<void> {
  if (d.status === 'open') throw new Error(`dispute ${d.id} is still open: nothing closed it`);
  await appendEvent(tx, {
    type: 'payment.dispute_closed',
    ...aggregateOf(d, subscriptionId),
    payload: { ...disputePayload(d, subscriptionId), outcome: d.status, subscription_action: subscriptionAction },
  });
}

export function createDisputeActivities(deps: PaymentActivityDeps) {
  return {
    /**
     * Records one dispute update and its events in one transaction, idempotently: the first word of
     * a dispute inserts its row with `payment.disputed` (and `payment.dispute_closed` too when that
     * first word is already the close); a close of an open dispute updates it with
     * `payment.dispute_closed`; a repeat, or an `open` after the close, changes nothing.
     */
    async recordDisputeUpdate(u: DisputeUpdateSignal): Promise<DisputeRecorded> {
      if ((u.paymentId === null) === (u.chargeAttemptId === null)) throw rejected('a dispute names exactly one payment or charge attempt');
      if (!/^[1-9]\d{0,17}$/.test(u.amountMinor)) throw rejected(`a dispute's amount must be a positive integer of minor units, not ${u.amountMinor}`);
      return inTransaction(deps.pool, async (tx) => {
        const money = await findDisputedMoney(tx, u);
        if (!money || money.gateway !== u.gateway) throw rejected(`the disputed ${u.paymentId !== null ? `payment ${u.paymentId}` : `charge attempt ${u.chargeAttemptId}`} is not one of gateway ${u.gateway}'s`);
        // A payment's dispute stops a subscription too when that payment paid one of its periods (its SCA link).
        const charge = money.subscriptionId !== null && money.chargeAttemptId !== null ? { subscriptionId: money.subscriptionId, chargeAttemptId: money.chargeAttemptId } : null;
        const stops = charge !== null && deps.gateways.get(u.gateway)?.settings.onLostDispute !== 'keep_subscription';
        const action = (d: DisputeRow) => (d.status !== 'lost' || charge === null ? null : stops ? 'stop' : 'keep');
        const stopOf = (d: DisputeRow) => (action(d) === 'stop' ? charge : null);

        const inserted = await insertDispute(tx, {
          id: newId('dsp'),
          gateway: u.gateway,
          gatewayDisputeId: u.gatewayDisputeId,
          paymentId: u.paymentId,
          chargeAttemptId: u.chargeAttemptId,
          customerId: money.customerId,
          amountMinor: BigInt(u.amountMinor),
          currency: u.currency,
          reason: u.reason,
          status: u.status,
        });
        if (inserted) {
          await appendEvent(tx, { type: 'payment.disputed', ...aggregateOf(inserted, money.subscriptionId), payload: { ...disputePayload(inserted, money.subscriptionId), status: 'open' } });
          const closedNow = inserted.status !== 'open';
          if (closedNow) await appendClosed(tx, inserted, money.subscriptionId, action(inserted));
          return { disputeId: inserted.id, customerId: inserted.customer_id, status: inserted.status, opened: true, closed: closedNow, stopSubscription: stopOf(inserted) };
        }
        const row = await findDispute(tx, u.gateway, u.gatewayDisputeId, { forUpdate: true });
        if (!row) throw new Error(`dispute ${u.gateway}/${u.gatewayDisputeId} vanished between its insert and its read`);
        if (u.status === 'open' || row.status !== 'open') return { disputeId: row.id, customerId: row.customer_id, status: row.status, opened: false, closed: false, stopSubscription: stopOf(row) };
        const closed = await closeDispute(tx, row.id, u.status);
        if (!closed) throw new Error(`dispute ${row.id} was closed under its row lock`);
        await appendClosed(tx, closed, money.subscriptionId, action(closed));
        return { disputeId: closed.id, customerId: closed.customer_id, status: closed.status, opened: false, closed: true, stopSubscription: stopOf(closed) };
      });
    },
  };
}
