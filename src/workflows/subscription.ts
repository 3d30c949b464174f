import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { StateWrite } from '../activities/subscriptions.js';
import { STATE_CONFLICT } from '../domain/errors.js';
import { LEDGER_WRITES, LOCAL_LEDGER_WRITES } from './activity-options.js';
import { chargeRequestLog } from './charge-requests.js';
import { CARD_STOPS_AT_EXPIRY, FEWER_ROUND_TRIPS, runIsLong, STOP_WAITS_FOR_AMOUNT_HOOK } from './subscription-patches.js';
import { nextChargeAfter } from '../domain/schedule.js';
import { advanceToNextPeriod, dueOf, stateWriteOf, type SubscriptionEvent } from './subscription-period.js';
import { authenticationSteps, awaitingCustomerConflict } from './subscription-authentication.js';
import {
  cardExpiresAtMs,
  chargeNowConflict,
  nextStep,
  reactivateConflict,
  resumeConflict,
  stopConflict,
  type StoppedReason,
} from '../domain/subscription.js';
import { nextMoment } from '../domain/subscription-moments.js';
import { TollgateAmountMinor, TollgateNextActionAt, TollgateState } from '../temporal/search-attributes.js';
import {
  adminChargeNowSignal,
  adminResumeSignal,
  adminStopSignal,
  changeTermsUpdate,
  chargeNowUpdate,
  type DisputeLost,
  disputeLostSignal,
  paymentMethodUpdate,
  periodPaidSignal,
  reactivateUpdate,
  resumeUpdate,
  stopUpdate,
  type StopRequest,
  type SubscriptionSnapshot,
  subscriptionStateQuery,
  type SubscriptionView,
} from './subscription-messages.js';

export * from './subscription-messages.js';

type Event = SubscriptionEvent;

const { recordSubscriptionState, callAmountHook } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);
const local = proxyLocalActivities<ReturnType<typeof createActivities>>(LOCAL_LEDGER_WRITES);
// A charge is retried (after a crash or an unknown outcome) with the same idempotency key; the
// activity asks the gateway about that key before it would ever call charge again.
const { chargeSubscription } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

function conflict(reason: string | undefined): void {
  if (reason) throw ApplicationFailure.nonRetryable(reason, STATE_CONFLICT);
}

/**
 * One workflow per subscription (`subscription:<id>`): sleeps until the next charge, charges with
 * the key `<id>:<period>:<attempt>`, retries by the retry schedule, obeys stop/reactivate/resume
 * and admin actions, and continues-as-new when its history is long (see RUN_HISTORY_EVENTS).
 */
export async function subscriptionWorkflow(s: SubscriptionSnapshot): Promise<SubscriptionSnapshot> {
  let version = 0; // bumped by every handler that changes when or whether to charge
  let chargeRequested = false;
  let chargesRun = 0; // completed charge rounds, so charge-now can answer after its charge
  let pendingStop: StopRequest | null = null; // a stop that arrived during a charge
  let pendingDisputeStop: DisputeLost | null = null; // a lost dispute that arrived during a charge
  const nowMs = () => Date.now();
  const chargeRequests = chargeRequestLog(s, nowMs);
  const due = (period: number) => dueOf(s, period);
  const view = (): SubscriptionView => ({
    subscriptionId: s.subscriptionId, state: s.state, stoppedReason: s.stoppedReason, stoppedBy: s.stoppedBy,
    period: s.period, nextChargeAt: s.nextChargeAt, retryAt: s.retryAt, pending: s.pending, amountMinor: s.terms.amountMinor,
    pendingStop,
  });

  function publishState(): void {
    const wake = s.state === 'past_due' ? s.retryAt : s.state === 'active' ? s.nextChargeAt : null;
    upsertSearchAttributes([
      { key: TollgateState, value: s.state },
      { key: TollgateNextActionAt, value: wake ? new Date(wake) : null },
      { key: TollgateAmountMinor, value: s.terms.amountMinor },
    ]);
  }

  async function persist(events: Event[]): Promise<void> {
    publishState();
    const record = patched(FEWER_ROUND_TRIPS) ? local.recordSubscriptionState : recordSubscriptionState;
    await record(stateWriteOf(s, events));
  }

  async function stop(by: 'user' | 'admin' | 'system', reason: StoppedReason, detail?: string): Promise<void> {
    s.state = by === 'user' ? 'user_stopped' : by === 'admin' ? 'admin_stopped' : 'system_stopped';
    s.stoppedBy = by;
    s.stoppedReason = reason;
    s.retryAt = null;
    version += 1;
    await persist([{ type: 'subscription.stopped', payload: { by, reason, ...(detail ? { detail } : {}) } }]);
  }

  // --- users and admins -------------------------------------------------------------------------
  setHandler(subscriptionStateQuery, () => s);
  /** Stops now, or, while a charge is in flight, as soon as it ends (the admin's stop beats the user's). */
  async function requestStop(req: StopRequest): Promise<void> {
    if (s.state === 'charging') {
      pendingStop = req;
      return;
    }
    await stop(req.by, req.by === 'user' ? 'user_request' : 'admin_request', req.reason);
  }
  const stopForDispute = (d: DisputeLost) => stop('system', 'disputed', `dispute ${d.disputeId} of charge attempt ${d.chargeAttemptId} was lost`);
  async function applyPendingStop(): Promise<void> {
    const dispute = pendingDisputeStop;
    pendingDisputeStop = null;
    if (dispute && s.state !== 'system_stopped') {
      pendingStop = null; // the system's stop is final; a user's or admin's would be overtaken by it
      await stopForDispute(dispute);
      return;
    }
    const req = pendingStop;
    pendingStop = null;
    if (req && !stopConflict(s.state, req.by)) await stop(req.by, req.by === 'user' ? 'user_request' : 'admin_request', req.reason);
  }
  setHandler(stopUpdate, async (req) => {
    await requestStop(req);
    return view();
  }, { validator: (req: StopRequest) => conflict(stopConflict(s.state, req.by, pendingStop?.by ?? null)) });
  setHandler(reactivateUpdate, async () => {
    s.state = 'active'; s.stoppedBy = null; s.stoppedReason = null; s.softDeclines = 0; s.technicalRetries = 0;
    version += 1;
    await persist([{ type: 'subscription.reactivated', payload: { by: 'user', next_charge_at: s.nextChargeAt } }]);
    return view();
  }, { validator: () => conflict(reactivateConflict(s.state, s.nextChargeAt ? Date.parse(s.nextChargeAt) : null, nowMs())) });
  const resume = async () => {
    s.state = 'active'; s.stoppedBy = null; s.stoppedReason = null; s.softDeclines = 0; s.technicalRetries = 0;
    if (s.nextChargeAt && Date.parse(s.nextChargeAt) <= nowMs()) {
      const next = nextChargeAfter(s.terms.schedule, Date.parse(s.terms.anchorAt), s.terms.timeZone, nowMs());
      if (next) { s.period = next.period + s.terms.anchorPeriod; s.nextChargeAt = new Date(next.at).toISOString(); s.attempt = 0; }
    }
    version += 1;
    await persist([{ type: 'subscription.reactivated', payload: { by: 'admin', next_charge_at: s.nextChargeAt } }]);
    return view();
  };
  setHandler(resumeUpdate, resume, { validator: () => conflict(resumeConflict(s.state)) });
  setHandler(chargeNowUpdate, async ({ amount, requestId, keepMs }) => {
    if (requestId !== undefined && chargeRequests.known(requestId)) return chargeRequests.replay(requestId);
    if (requestId !== undefined) chargeRequests.begin(requestId, keepMs ?? 0);
    if (amount !== undefined) s.requestedAmountMinor = amount;
    chargeRequested = true;
    const seen = chargesRun;
    await condition(() => chargesRun !== seen);
    if (requestId !== undefined) chargeRequests.finish(requestId, view());
    return view();
  }, { validator: ({ amount, requestId }: { amount?: number; requestId?: string }) => {
    if (chargeRequests.known(requestId)) return; // a repeat is answered from the log, whatever the state now
    conflict(chargeNowConflict(s.state));
    conflict(awaitingCustomerConflict(s));
    if (s.terms.schedule.kind === 'automatic' && amount === undefined) conflict('an automatic subscription is charged with an amount');
    if (amount !== undefined) conflict(amountConflict(amount));
  } });
  setHandler(changeTermsUpdate, async (change) => {
    const events: Event[] = [];
    if (s.state === 'past_due') {
      s.pending = { ...(s.pending ?? {}), ...(change.amount !== undefined ? { amountMinor: change.amount } : {}), ...(change.schedule ? { schedule: change.schedule } : {}) };
      events.push({ type: 'subscription.updated', payload: { ...change, effective_from_period: s.period + 1 } });
    } else {
      applyTerms(change.amount, change.schedule);
      events.push({ type: 'subscription.updated', payload: { ...change, effective_from_period: s.period } });
    }
    version += 1;
    await persist(events);
    return view();
  }, { validator: (change: { amount?: number; schedule?: SubscriptionSnapshot['terms']['schedule'] }) => {
    if (s.state === 'system_stopped') conflict('a system-stopped subscription cannot be changed');
    if (change.amount !== undefined) conflict(amountConflict(change.amount));
  } });
  setHandler(paymentMethodUpdate, async (method) => {
    s.terms.paymentMethod = method;
    s.expiryNoticeFor = null;
    if (s.state === 'past_due') s.retryAt = new Date(nowMs()).toISOString(); // retry at once with the new method
    version += 1;
    await persist([{ type: 'subscription.updated', payload: { payment_method: { expires: method.expires } } }]);
    return view();
  }, { validator: (_method) => { if (s.state === 'system_stopped') conflict('a system-stopped subscription cannot be changed'); } });
  setHandler(adminStopSignal, ({ reason } = {}) => {
    if (!stopConflict(s.state, 'admin', pendingStop?.by ?? null)) void requestStop({ by: 'admin', ...(reason ? { reason } : {}) });
  });
  // Async, so a continue-as-new waits for its write (allHandlersFinished); a charge in flight ends first.
  setHandler(disputeLostSignal, async (d) => {
    if (s.state === 'system_stopped') return;
    if (s.state === 'charging') {
      pendingDisputeStop = d;
      return;
    }
    await stopForDispute(d);
  });
  setHandler(adminResumeSignal, () => {
    if (!resumeConflict(s.state)) void resume();
  });
  setHandler(adminChargeNowSignal, ({ amount } = {}) => {
    if (chargeNowConflict(s.state) || awaitingCustomerConflict(s) || (amount !== undefined && amountConflict(amount))) return;
    if (amount !== undefined) s.requestedAmountMinor = amount;
    chargeRequested = true;
  });

  function amountConflict(amount: number): string | undefined {
    if (!Number.isSafeInteger(amount) || amount <= 0) return 'amount must be a positive integer of minor units';
    if (s.terms.minAmountMinor !== null && amount < s.terms.minAmountMinor) return `amount is below the minimum ${s.terms.minAmountMinor}`;
    if (s.terms.maxAmountMinor !== null && amount > s.terms.maxAmountMinor) return `amount is above the maximum ${s.terms.maxAmountMinor}`;
    return undefined;
  }

  function applyTerms(amount: number | undefined, schedule: SubscriptionSnapshot['terms']['schedule'] | undefined): void {
    if (amount !== undefined) s.terms.amountMinor = amount;
    if (schedule) {
      // The upcoming charge keeps its date; later ones follow the new schedule from there.
      s.terms.schedule = schedule;
      s.terms.anchorAt = s.nextChargeAt ?? new Date(nowMs()).toISOString();
      s.terms.anchorPeriod = s.period;
      const at = due(s.period);
      s.nextChargeAt = at === null ? null : new Date(at).toISOString();
    }
  }

  /** Sleeps until `atMs` (or for good when null); true if a handler changed something first. */
  async function sleepUntil(atMs: number | null): Promise<boolean> {
    const seen = version;
    const woken = () => version !== seen || chargeRequested;
    if (atMs === null) {
      await condition(woken);
      return true;
    }
    return condition(woken, Math.max(0, atMs - nowMs()));
  }

  async function advancePeriod(events: Event[]): Promise<void> {
    events.push(...advanceToNextPeriod(s, nowMs()));
    await persist(events);
  }

  /** The write that moves this snapshot to its next period, made on a copy (the snapshot is unchanged). */
  function stateAfterSuccess(events: Event[]): StateWrite {
    const next = JSON.parse(JSON.stringify(s)) as SubscriptionSnapshot;
    return stateWriteOf(next, [...events, ...advanceToNextPeriod(next, nowMs())]);
  }

  /** The events the charge's own transaction did not append already (it wrote `written`'s). */
  function notYetWritten(events: Event[], written: StateWrite | undefined): Event[] {
    const appended = new Set((written?.events ?? []).map((e) => JSON.stringify(e)));
    return events.filter((e) => !appended.has(JSON.stringify(e)));
  }

  /** One charge of the current period. Returns true when the period was charged. */
  async function chargePeriod(): Promise<boolean> {
    const wasPastDue = s.state === 'past_due';
    const expires = s.terms.paymentMethod.expires;
    if (expires && cardExpiresAtMs(expires) < nowMs()) {
      await stop('system', 'card_expired', `the card expired at the end of ${expires}`);
      return false;
    }
    let amount = s.requestedAmountMinor ?? s.terms.amountMinor;
    let amountSource: 'terms' | 'hook' | 'request' = s.requestedAmountMinor !== null ? 'request' : 'terms';
    const before = s.state;
    const hook = s.terms.schedule.kind !== 'automatic' ? s.terms.schedule.amount_hook : undefined;
    if (hook && s.requestedAmountMinor === null && s.attempt === 0) {
      // A stop during the hook's call waits for this round to end (pending), as during the charge.
      if (patched(STOP_WAITS_FOR_AMOUNT_HOOK)) s.state = 'charging';
      const answer = await callAmountHook({ url: hook, subscriptionId: s.subscriptionId, customerId: s.customerId, period: s.period, currency: s.terms.currency, defaultAmountMinor: amount });
      if (answer.kind !== 'amount') {
        await advancePeriod([{ type: 'subscription.charge_skipped', payload: { period: s.period, reason: answer.reason } }]);
        return false;
      }
      amount = answer.amountMinor;
      amountSource = 'hook';
      if (pendingStop || pendingDisputeStop) {
        // Stopped while the hook was asked: nothing reached the gateway, so nothing is charged.
        s.state = before;
        return false;
      }
    }
    const outOfBounds = amountConflict(amount);
    if (outOfBounds) {
      await advancePeriod([{ type: 'subscription.charge_skipped', payload: { period: s.period, amount, reason: outOfBounds } }]);
      return false;
    }
    s.state = 'charging';
    upsertSearchAttributes([{ key: TollgateState, value: 'charging' }]);
    // The next period's state goes with the charge, written in the transaction of its success.
    const seen = version;
    const recovered = (attempts: number): Event[] => (wasPastDue ? [{ type: 'subscription.recovered', payload: { period: s.period, attempts } }] : []);
    const afterSuccess = patched(FEWER_ROUND_TRIPS) ? stateAfterSuccess(recovered(s.attempt + 1)) : undefined;
    const result = await chargeSubscription({
      subscriptionId: s.subscriptionId, period: s.period, attempt: s.attempt, amountMinor: amount,
      currency: s.terms.currency, gateway: s.terms.gateway, token: s.terms.paymentMethod.token, amountSource,
      ...(s.terms.mode ? { mode: s.terms.mode } : {}),
      ...(afterSuccess ? { stateAfterSuccess: afterSuccess } : {}),
    });
    s.state = before;
    if (result.outcome === 'refused') {
      // Tollgate refused the amount hook's answer (outside the gateway's limits): no attempt.
      await advancePeriod([{ type: 'subscription.charge_skipped', payload: { period: s.period, amount, reason: result.message } }]);
      return false;
    }
    s.attempt += 1;
    const step = nextStep(result.outcome, s.softDeclines, s.technicalRetries, s.terms.retryDelaysMs);
    if (step.kind === 'next_period') {
      const events = recovered(s.attempt);
      events.push(...advanceToNextPeriod(s, nowMs()));
      const written = result.outcome === 'success' && result.stateWritten === true && version === seen;
      // Written with the charge only if nothing changed meanwhile and it is exactly this state;
      // otherwise (a handler ran, or an activity of older code ignored it) it is written now.
      if (written && JSON.stringify(stateWriteOf(s, events)) === JSON.stringify(afterSuccess)) publishState();
      else await persist(result.outcome === 'success' && result.stateWritten === true ? notYetWritten(events, afterSuccess) : events);
      return true;
    }
    if (step.kind === 'stop') {
      await stop('system', step.reason, `${result.code ?? ''} ${result.message ?? ''}`.trim());
      return false;
    }
    if (step.kind === 'await_customer') {
      await authentication.awaitCustomer(result.code, wasPastDue, amount);
      return false;
    }
    if (step.spendsBudget) s.softDeclines += 1;
    else s.technicalRetries += 1;
    s.retryAt = new Date(nowMs() + step.delayMs).toISOString();
    s.state = 'past_due';
    await persist(wasPastDue ? [] : [{ type: 'subscription.past_due', payload: { period: s.period, retry_at: s.retryAt, gateway_code: result.code } }]);
    return false;
  }

  /** Sleeps until the next moment and acts on it; true when a charge is due (or was asked for). */
  async function awaitNextMoment(): Promise<boolean> {
    const moment = nextMoment({
      state: s.state, nextChargeAt: s.nextChargeAt, retryAt: s.retryAt, endsAt: s.terms.endsAt, automatic: s.terms.schedule.kind === 'automatic',
      cardExpires: s.terms.paymentMethod.expires, expiryNoticeFor: s.expiryNoticeFor, cardExpiryNoticeMs: s.terms.cardExpiryNoticeMs,
    }, nowMs());
    if ((await sleepUntil(moment?.at ?? null)) && !chargeRequested) return false;
    if (chargeRequested || !moment || moment.kind === 'charge') return true;
    const expires = s.terms.paymentMethod.expires;
    if (moment.kind === 'ends') await stop('system', 'ended');
    else if (moment.kind === 'card_expired') await stop('system', 'card_expired', `the card expired at the end of ${expires ?? '?'}`);
    else await sendExpiryNotice();
    return false;
  }

  async function sendExpiryNotice(): Promise<void> {
    const expires = s.terms.paymentMethod.expires;
    s.expiryNoticeFor = expires;
    await persist([{ type: 'card.expiring', payload: { expires, next_charge_at: s.nextChargeAt, customer_id: s.customerId } }]);
  }

  /**
   * The loop as it was before CARD_STOPS_AT_EXPIRY (the card was checked only at the next charge),
   * kept so that histories recorded by it replay to the same commands.
   */
  async function awaitNextMomentBeforeCardStops(): Promise<boolean> {
    const endsAt = s.terms.endsAt ? Date.parse(s.terms.endsAt) : null;
    const nextAt = s.nextChargeAt ? Date.parse(s.nextChargeAt) : null;
    if (endsAt !== null && s.state === 'active' && (nextAt === null || nextAt >= endsAt) && s.terms.schedule.kind !== 'automatic') {
      if (await sleepUntil(endsAt)) {
        if (!chargeRequested) return false;
      } else {
        await stop('system', 'ended');
        return false;
      }
    }
    const expires = s.terms.paymentMethod.expires;
    if (expires && nextAt !== null && s.expiryNoticeFor !== expires && cardExpiresAtMs(expires) < nextAt) {
      if (!(await sleepUntil(nextAt - s.terms.cardExpiryNoticeMs))) await sendExpiryNotice();
      return false;
    }
    const wakeAt = s.state === 'past_due' ? (s.retryAt ? Date.parse(s.retryAt) : nowMs()) : nextAt;
    return !(await sleepUntil(wakeAt)) || chargeRequested;
  }

  // SCA: a period that waits for its customer's payment link (src/workflows/subscription-authentication.ts).
  const authentication = authenticationSteps({
    s, nowMs, persist, publishState, stop,
    sleepUntil: (atMs) => sleepUntil(atMs),
    changed: () => { version += 1; },
  });
  setHandler(periodPaidSignal, (paid) => authentication.onPeriodPaid(paid));

  // --- the life of the subscription -------------------------------------------------------------
  for (;;) {
    if (s.state === 'system_stopped') {
      // Stopped for good while a period waits on its SCA link (a lost dispute, the card's expiry):
      // the link closes, or paying it would take money for a subscription that no longer charges.
      // Only snapshots that met an SCA demand have it: recorded histories never reach this.
      if (s.awaitingCustomer) await authentication.abandon();
      await condition(allHandlersFinished);
      return s;
    }
    // Only snapshots that met an SCA demand take these paths: recorded histories never reach them.
    if (s.awaitingCustomer && (s.awaitingCustomer.paidBy !== null || s.state === 'past_due' || s.awaitingCustomer.period !== s.period)) {
      await authentication.step();
      continue;
    }
    if (s.state === 'user_stopped' || s.state === 'admin_stopped') {
      await sleepUntil(null);
      continue;
    }
    // Runs recorded before the card stopped at its expiry replay the timers they slept on then.
    const chargeNow = patched(CARD_STOPS_AT_EXPIRY) ? await awaitNextMoment() : await awaitNextMomentBeforeCardStops();
    if (!chargeNow) continue;
    chargeRequested = false;
    const charged = await chargePeriod();
    chargesRun += 1;
    await applyPendingStop();
    // Runs recorded before FEWER_ROUND_TRIPS continued as new after every charged period. A charge
    // asked for during this round is taken by this run first (it is not part of the snapshot).
    const continues = patched(FEWER_ROUND_TRIPS) ? !chargeRequested && runIsLong() : charged;
    if (continues) {
      // A charge asked for while the handlers finish is taken by this run (its handler waits for it).
      await condition(() => allHandlersFinished() || chargeRequested);
      if (!chargeRequested) await continueAsNew<typeof subscriptionWorkflow>(s);
    }
  }
}
