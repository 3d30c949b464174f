import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { StoppedReason } from '../domain/subscription.js';
import { LEDGER_WRITES } from './activity-options.js';
import type { SubscriptionSnapshot } from './subscription-messages.js';
import { advanceToNextPeriod, dueOf, stateWriteOf, type SubscriptionEvent } from './subscription-period.js';

const { requireAuthentication, recordPeriodPaidByLink, checkPeriodLink } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

/**
 * After the link's expiry, the workflow waits this long before it reads the link and gives up: a
 * payer whose page was opened just before the expiry has had time to start the payment.
 */
export const LINK_GRACE_MS = 5 * 60_000;

/** What the subscription workflow lends these steps: its snapshot, clock and own helpers. */
export interface AuthenticationContext {
  s: SubscriptionSnapshot;
  nowMs: () => number;
  /** Sleeps until `atMs`; true if a handler changed something first. */
  sleepUntil: (atMs: number) => Promise<boolean>;
  /** Something changed that the loop must look at (wakes sleepUntil). */
  changed: () => void;
  persist: (events: SubscriptionEvent[]) => Promise<void>;
  publishState: () => void;
  stop: (by: 'system', reason: StoppedReason, detail: string) => Promise<void>;
}

/**
 * Why no off-session charge may run now, if one may not: the period waits for its customer.
 * Another off-session try would meet the same demand for authentication, and one that went
 * through (a new card) would race the customer paying the link — the period charged twice.
 */
export function awaitingCustomerConflict(s: SubscriptionSnapshot): string | undefined {
  const a = s.awaitingCustomer;
  return a ? `period ${a.period} waits for the customer to authenticate and pay on payment link ${a.linkId}` : undefined;
}

/**
 * SCA for a subscription (issue 11 §2): a charge answered `action_required` moves no money; the
 * period is then paid only by the customer, on a payment link of its own (subscription.action_required
 * carries it), and never retried off-session. The link's payment succeeding (periodPaidByLink from
 * its payment workflow, or the link read at its expiry, if that signal never came) records the
 * period as charged by that payment — once — and the subscription moves on to its next period. A
 * link that expires unpaid stops the subscription as retries exhausted.
 */
export function authenticationSteps(ctx: AuthenticationContext) {
  const { s } = ctx;

  /** The charge asked for authentication: past_due, the period's link, and the event with it. */
  async function awaitCustomer(code: string | null, wasPastDue: boolean, amountMinor: number): Promise<void> {
    s.state = 'past_due';
    s.retryAt = null;
    ctx.publishState();
    const events: SubscriptionEvent[] = wasPastDue ? [] : [{ type: 'subscription.past_due', payload: { period: s.period, retry_at: null, gateway_code: code } }];
    const link = await requireAuthentication({
      subscriptionId: s.subscriptionId, customerId: s.customerId, period: s.period, amountMinor, currency: s.terms.currency,
      gatewayCode: code, state: stateWriteOf(s, events), nowMs: ctx.nowMs(), nextDueMs: dueOf(s, s.period + 1),
    });
    s.awaitingCustomer = { period: s.period, linkId: link.linkId, expiresAt: link.expiresAt, checkAt: new Date(Date.parse(link.expiresAt) + LINK_GRACE_MS).toISOString(), paidBy: null };
  }

  /** periodPaidByLink: taken for the period that waits; anything else (another period, a repeat) is ignored. */
  function onPeriodPaid({ paymentId, period }: { paymentId: string; period: number }): void {
    const a = s.awaitingCustomer;
    if (!a || a.period !== period || a.paidBy !== null) return;
    a.paidBy = paymentId;
    ctx.changed();
  }

  /** One step while the period waits: sleep until the link's check, look at it, or record its payment. */
  async function step(): Promise<void> {
    const a = s.awaitingCustomer;
    if (!a) return;
    if (a.period !== s.period) {
      // The period was left behind (an admin's resume moves past unpaid periods): its link closes,
      // unless a payment of it is in flight — that one, if it succeeds, stays the customer's payment.
      s.awaitingCustomer = null;
      await checkPeriodLink({ linkId: a.linkId, graceMs: LINK_GRACE_MS, nowMs: ctx.nowMs(), abandoned: true });
      return;
    }
    if (a.paidBy === null) {
      if (await ctx.sleepUntil(Date.parse(a.checkAt))) return;
      const check = await checkPeriodLink({ linkId: a.linkId, graceMs: LINK_GRACE_MS, nowMs: ctx.nowMs() });
      if (check.kind === 'pending' || check.kind === 'open') {
        a.checkAt = check.until;
        return;
      }
      if (check.kind === 'closed') {
        s.awaitingCustomer = null;
        if (s.state === 'past_due') await ctx.stop('system', 'retries_exhausted', `the customer did not authenticate and pay on payment link ${a.linkId} before it expired`);
        return;
      }
      a.paidBy = check.paymentId;
    }
    await recordPaidPeriod(a.paidBy, a.linkId);
  }

  /**
   * The subscription stopped for good while the period waits: its link closes, unless it was paid
   * or a payment of it is in flight — that one, if it succeeds, stays the customer's payment.
   */
  async function abandon(): Promise<void> {
    const a = s.awaitingCustomer;
    if (!a) return;
    s.awaitingCustomer = null;
    await checkPeriodLink({ linkId: a.linkId, graceMs: LINK_GRACE_MS, nowMs: ctx.nowMs(), abandoned: true });
  }

  /** Records the period as charged by the link's payment and moves on (a stopped subscription stays stopped). */
  async function recordPaidPeriod(paymentId: string, linkId: string): Promise<void> {
    const period = s.period;
    const attempt = s.attempt;
    const after = (t: SubscriptionSnapshot): SubscriptionEvent[] => {
      const stoppedAs = t.state === 'user_stopped' || t.state === 'admin_stopped' ? t.state : null;
      const events: SubscriptionEvent[] = [{ type: 'subscription.recovered', payload: { period, attempts: attempt + 1, payment_id: paymentId } }];
      events.push(...advanceToNextPeriod(t, ctx.nowMs()));
      if (stoppedAs) t.state = stoppedAs;
      t.awaitingCustomer = null;
      return events;
    };
    const next = JSON.parse(JSON.stringify(s)) as SubscriptionSnapshot;
    const written = stateWriteOf(next, after(next));
    const r = await recordPeriodPaidByLink({ subscriptionId: s.subscriptionId, period, attempt, linkId, paymentId, gateway: s.terms.gateway, state: written });
    if (!r.recorded) {
      // Not the link's succeeded payment (an operator's signal, say): the period still waits, and
      // the link is looked at again no sooner than in an hour (never a loop of activities).
      const a = s.awaitingCustomer;
      if (a) {
        a.paidBy = null;
        a.checkAt = new Date(Math.max(Date.parse(a.checkAt), ctx.nowMs() + 3_600_000)).toISOString();
      }
      return;
    }
    // Handlers may have changed the snapshot meanwhile (a stop, new terms): applied to it now, and
    // written again unless it is exactly what the activity wrote.
    const events = after(s);
    const replaced = r.paymentMethod.token !== s.terms.paymentMethod.token || r.paymentMethod.expires !== s.terms.paymentMethod.expires;
    if (replaced) {
      s.terms.paymentMethod = r.paymentMethod;
      s.expiryNoticeFor = null;
    }
    ctx.changed();
    const mine = stateWriteOf(s, events);
    if (JSON.stringify(mine) === JSON.stringify({ ...written, paymentMethod: r.paymentMethod })) ctx.publishState();
    else await ctx.persist([]);
  }

  return { awaitCustomer, onPeriodPaid, step, abandon };
}
