import type { StateWrite } from '../activities/subscriptions.js';
import { chargeTime } from '../domain/schedule.js';
import type { SubscriptionEvent } from '../events/catalog.js';
import type { SubscriptionSnapshot } from './subscription-messages.js';

export type { SubscriptionEvent } from '../events/catalog.js';

/** When period `period` of a snapshot's terms is due (null: never). */
export function dueOf(t: SubscriptionSnapshot, period: number): number | null {
  return chargeTime(t.terms.schedule, Date.parse(t.terms.anchorAt), t.terms.timeZone, period - t.terms.anchorPeriod);
}

/**
 * Moves a snapshot to its next period: counters reset, terms pending for the boundary applied (the
 * event saying so is returned), the next charge time from the terms now in force, state active.
 */
export function advanceToNextPeriod(t: SubscriptionSnapshot, nowMs: number): SubscriptionEvent[] {
  t.period += 1;
  t.attempt = 0; t.softDeclines = 0; t.technicalRetries = 0; t.retryAt = null; t.requestedAmountMinor = null;
  const events: SubscriptionEvent[] = [];
  const pending = t.pending;
  t.pending = null;
  if (pending) {
    if (pending.amountMinor !== undefined) t.terms.amountMinor = pending.amountMinor;
    if (pending.schedule) {
      const at = dueOf(t, t.period);
      t.terms.schedule = pending.schedule;
      t.terms.anchorAt = new Date(at ?? nowMs).toISOString();
      t.terms.anchorPeriod = t.period;
    }
    events.push({ type: 'subscription.updated', payload: { applied: true, period: t.period } });
  }
  const at = dueOf(t, t.period);
  t.nextChargeAt = at === null ? null : new Date(at).toISOString();
  t.state = 'active';
  return events;
}

/** What the ledger's mirror of a snapshot is, with the events that go with this write. */
export function stateWriteOf(t: SubscriptionSnapshot, events: SubscriptionEvent[]): StateWrite {
  return {
    subscriptionId: t.subscriptionId, state: t.state, stoppedReason: t.stoppedReason, period: t.period,
    nextChargeAt: t.nextChargeAt, amountMinor: t.terms.amountMinor, schedule: t.terms.schedule,
    paymentMethod: t.terms.paymentMethod, pendingChanges: t.pending, events,
  };
}
