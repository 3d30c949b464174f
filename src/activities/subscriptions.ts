import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { claimChargeAttempt, completeChargeAttempt, findChargeAttempt, type NewChargeAttempt } from '../db/charge-attempts.js';
import { recordChargeOutcome } from '../db/charge-outcome.js';
import { appendEvent, lockAggregate, subscriptionEventOf } from '../db/events.js';
import type { SubscriptionEvent } from '../events/catalog.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { findSubscription, type SubscriptionStateUpdate, updateSubscriptionState } from '../db/subscriptions.js';
import { ATTEMPT_STATUS_FOR_OUTCOME, type ChargeOutcome, type SubscriptionState } from '../domain/subscription.js';
import { signWebhook } from '../gateways/standard-webhooks.js';
import { type OutboundFailure, type OutboundPolicy, safeRequest } from '../outbound/safe-request.js';
import { recurringChargeProblem } from '../gateways/limits.js';
import { ChargeUndecidedError, type ChargeResult, GatewayModeUnavailableError, GatewayTimeoutError, type GatewayRegistry, isRecurringGateway, type RecurringGateway } from '../gateways/types.js';

export interface SubscriptionActivityDeps {
  pool: pg.Pool;
  gateways: GatewayRegistry;
  /** Standard Webhooks secret the amount hook requests are signed with. */
  hookSecret: string;
  hookTimeoutMs: number;
  /** Which non-public addresses the hook may reach (OUTBOUND_ALLOWED_HOSTS) and the answer cap. */
  outbound: OutboundPolicy & { maxResponseBytes: number };
}

/** The stored reasons: fixed phrases, so nothing the hook (or our own network) said reaches an event. */
const HOOK_FAILURE: Record<Exclude<OutboundFailure, 'http_status'>, string> = {
  bad_url: 'amount hook refused: not a plain http(s) URL',
  private_address: 'amount hook refused: private address',
  unreachable: 'amount hook unreachable',
  timeout: 'amount hook timed out',
  redirect: 'amount hook answered with a redirect',
  too_large: 'amount hook answer too large',
};

export interface ChargeInput {
  subscriptionId: string;
  period: number;
  attempt: number;
  amountMinor: number;
  currency: string;
  gateway: string;
  token: string;
  /** The subscription's creation mode; absent in workflows started before it was carried. */
  mode?: 'test' | 'live';
  /** Where the amount came from: the terms, the amount hook's answer, or a charge request. */
  amountSource?: 'terms' | 'hook' | 'request';
  /**
   * The subscription's state once this attempt succeeds (its next period), written in the
   * transaction that records the success, so a charge costs one activity, not two. Absent in
   * workflows started before it was carried; they write the state themselves.
   */
  stateAfterSuccess?: StateWrite;
}

export type ChargeActivityResult =
  /** stateWritten: the ledger already holds `stateAfterSuccess` (a success whose input carried one). */
  | { outcome: Exclude<ChargeOutcome, 'unknown'>; code: string | null; message: string | null; transactionId: string | null; stateWritten?: boolean }
  /** The amount hook's answer is outside the gateway's limits: no attempt was made, the period is skipped. */
  | { outcome: 'refused'; code: string; message: string; transactionId: null };

export interface StateWrite {
  subscriptionId: string;
  state: SubscriptionState;
  stoppedReason: string | null;
  period: number;
  nextChargeAt: string | null;
  amountMinor: number;
  schedule: Record<string, unknown>;
  paymentMethod: { token: string; expires: string | null };
  pendingChanges: Record<string, unknown> | null;
  events: SubscriptionEvent[];
}

export type AmountHookResult = { kind: 'amount'; amountMinor: number } | { kind: 'skip'; reason: string } | { kind: 'failed'; reason: string };

export function createSubscriptionActivities(deps: SubscriptionActivityDeps) {
  /**
   * Charges one attempt of one period, at most once: the attempt row (unique on the key) is written
   * first; a gateway that already saw the key answers from its books; a lost answer is resolved by a
   * status query for the same key, and an unanswerable one is retried later with the same key.
   * A new attempt first passes the gateway's recurring limits (refused: no attempt) and must find
   * credentials for the subscription's own mode (else a technical error, recorded, never a charge
   * in the other mode).
   */
  async function chargeSubscription(input: ChargeInput): Promise<ChargeActivityResult> {
    const key = `${input.subscriptionId}:${input.period}:${input.attempt}`;
    const found = deps.gateways.get(input.gateway);
    const gateway = found && isRecurringGateway(found) ? found : undefined;
    // The usual first try: nothing stops a new attempt, so its key is claimed at once (one round
    // trip). A key this call wrote was never sent to the gateway — the row is always committed
    // before any call — so there is nothing to ask the gateway about first.
    if (input.mode && gateway && newAttemptProblem(input, input.mode, gateway) === undefined && (await claimChargeAttempt(deps.pool, attemptRow(input, key, input.mode)))) {
      return chargeAtGateway(input, input.mode, key, gateway, false);
    }
    const existing = await findChargeAttempt(deps.pool, key);
    if (existing && (existing.status === 'succeeded' || existing.status === 'failed') && existing.outcome && existing.outcome !== 'unknown') {
      // Answered before (a retry after a lost answer): the state went with that success if the row shows its period.
      const next = existing.outcome === 'success' ? input.stateAfterSuccess : undefined;
      const stateWritten = next ? await periodReached(input.subscriptionId, next.period) : false;
      return { outcome: existing.outcome, code: existing.gateway_code, message: existing.gateway_message, transactionId: existing.gateway_transaction_id, stateWritten };
    }
    const mode = input.mode ?? (await findSubscription(deps.pool, input.subscriptionId))?.mode;
    if (!mode) throw ApplicationFailure.nonRetryable(`subscription ${input.subscriptionId} has no row`, 'SubscriptionMissing');
    if (!existing) {
      const problem = newAttemptProblem(input, mode, gateway);
      // The hook's answer is the billing system's word on this one period: refused, it skips the
      // period. Otherwise the configuration changed under the subscription (recurring disabled,
      // narrower limits): a technical error, recorded and retried, visible to an operator, never a
      // silent skip of every period.
      if (problem?.code === 'tollgate_limits' && input.amountSource === 'hook') return { outcome: 'refused', code: problem.code, message: problem.message, transactionId: null };
      if (problem) return recordOutcome(input, mode, key, { outcome: 'technical_error', ...problem }, false);
    }
    if (!gateway) throw ApplicationFailure.retryable(`gateway ${input.gateway} is gone; attempt ${key} waits for it`, 'GatewayMissing');
    // Written by this call: never sent. Otherwise the row was there (or another try wrote it just
    // now): that try may have reached the gateway, so the gateway is asked about the key first.
    const wrote = await claimChargeAttempt(deps.pool, attemptRow(input, key, mode));
    return chargeAtGateway(input, mode, key, gateway, !wrote);
  }

  /** Why a new attempt must not reach the gateway (limits, configuration), if it must not. */
  function newAttemptProblem(input: ChargeInput, mode: 'test' | 'live', gateway: RecurringGateway | undefined): { code: string; message: string } | undefined {
    const refusal = gateway ? recurringChargeProblem(gateway.settings, BigInt(input.amountMinor), input.currency) : undefined;
    if (refusal) return { code: 'tollgate_limits', message: refusal };
    const unusable = !gateway
      ? `gateway "${input.gateway}" is not configured (or cannot charge stored payment methods)`
      : !gateway.hasMode(mode) ? `gateway "${input.gateway}" has no ${mode}-mode credentials; this subscription was created in ${mode} mode and is never charged in another` : undefined;
    return unusable ? { code: 'tollgate_config', message: unusable } : undefined;
  }

  /** Calls the gateway for a key whose row is written; `maybeSent`: ask it about the key first. */
  async function chargeAtGateway(input: ChargeInput, mode: 'test' | 'live', key: string, gateway: RecurringGateway, maybeSent: boolean): Promise<ChargeActivityResult> {
    let result: ChargeResult | undefined;
    try {
      result = maybeSent ? await gateway.chargeStatus(key, mode) : undefined;
      if (!result) {
        try {
          result = await gateway.charge({ idempotencyKey: key, token: input.token, amountMinor: BigInt(input.amountMinor), currency: input.currency, mode });
        } catch (err) {
          if (err instanceof GatewayModeUnavailableError) {
            return recordOutcome(input, mode, key, { outcome: 'technical_error', code: 'tollgate_config', message: err.message }, true);
          }
          if (!(err instanceof GatewayTimeoutError)) throw err;
          result = await gateway.chargeStatus(key, mode);
        }
      }
    } catch (err) {
      // The gateway has the charge but not its outcome: never sent again, only asked again.
      if (!(err instanceof ChargeUndecidedError)) throw err;
      await completeChargeAttempt(deps.pool, key, { status: 'unknown', outcome: 'unknown', code: null, message: err.message.slice(0, 500), transactionId: null });
      throw ApplicationFailure.retryable(`charge ${key} is not decided at the gateway yet`, 'ChargeOutcomeUnknown');
    }
    if (!result) {
      await completeChargeAttempt(deps.pool, key, { status: 'unknown', outcome: 'unknown', code: null, message: 'no answer from the gateway', transactionId: null });
      // Retried by Temporal: the next try asks the gateway for this key again before anything else.
      throw ApplicationFailure.retryable(`charge ${key} has an unknown outcome`, 'ChargeOutcomeUnknown');
    }
    return recordOutcome(input, mode, key, result, true);
  }

  /** Whether the subscription's row shows `period` already (the state that went with a success). */
  async function periodReached(subscriptionId: string, period: number): Promise<boolean> {
    return ((await findSubscription(deps.pool, subscriptionId))?.period ?? -1) >= period;
  }

  /**
   * Completes the attempt row (creating it first unless `rowExists`: the gateway was never called)
   * and its event — and, for a success, the subscription's next state and its events — at once.
   */
  async function recordOutcome(input: ChargeInput, mode: 'test' | 'live', key: string, result: ChargeResult, rowExists: boolean): Promise<ChargeActivityResult> {
    const next = result.outcome === 'success' ? input.stateAfterSuccess : undefined;
    // A row not written yet is written in the same transaction as its outcome (no gateway call
    // was made, so nothing needed it committed first).
    const record = async (db: Queryable) => recordChargeOutcome(db, {
      key,
      subscriptionId: input.subscriptionId,
      status: ATTEMPT_STATUS_FOR_OUTCOME[result.outcome],
      outcome: result.outcome,
      code: result.code,
      message: result.message,
      transactionId: result.transactionId ?? null,
      ids: result.ids,
      event: attemptEvent(input, mode, result),
      next: next && { state: stateUpdateOf(next), events: next.events },
    });
    const written = rowExists
      ? await record(deps.pool)
      : await inTransaction(deps.pool, async (tx) => {
        await claimChargeAttempt(tx, attemptRow(input, key, mode));
        return record(tx);
      });
    // Completed meanwhile by another try of this attempt, which wrote what went with it (read
    // after that try committed: our update waited for its row lock).
    const stateWritten = written.completed ? written.stateWritten : next ? await periodReached(input.subscriptionId, next.period) : false;
    return { outcome: result.outcome, code: result.code, message: result.message, transactionId: result.transactionId ?? null, stateWritten };
  }

  /** Mirrors the workflow's state into Postgres and appends its events, in one transaction. */
  async function recordSubscriptionState(w: StateWrite): Promise<void> {
    await inTransaction(deps.pool, (tx) => writeState(tx, w));
  }

  /**
   * Asks the billing system for this period's amount (Assist's dynamic class): a signed POST with
   * a timeout, answered by {"amount": <minor units>} or {"skip": true}. Anything else is a failure,
   * and the workflow skips the charge rather than guess an amount.
   */
  async function callAmountHook(input: { url: string; subscriptionId: string; customerId: string; period: number; currency: string; defaultAmountMinor: number }): Promise<AmountHookResult> {
    const body = JSON.stringify({
      type: 'subscription.amount_requested',
      data: { subscription_id: input.subscriptionId, customer_id: input.customerId, period: input.period, currency: input.currency, amount: input.defaultAmountMinor },
    });
    const id = `hook_${input.subscriptionId}_${input.period}`;
    const ts = Math.floor(Date.now() / 1000);
    const res = await safeRequest(
      input.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(deps.hookSecret, id, ts, body) },
        body,
        timeoutMs: deps.hookTimeoutMs,
        maxResponseBytes: deps.outbound.maxResponseBytes,
      },
      deps.outbound,
    );
    if (!res.ok) return { kind: 'failed', reason: res.failure === 'http_status' ? `amount hook answered HTTP ${res.status ?? 0}` : HOOK_FAILURE[res.failure] };
    let json: { amount?: unknown; skip?: unknown } | null;
    try {
      json = JSON.parse(res.body.toString('utf8')) as { amount?: unknown; skip?: unknown } | null;
    } catch {
      json = null;
    }
    if (json?.skip === true) return { kind: 'skip', reason: 'the billing system asked to skip this period' };
    if (typeof json?.amount === 'number' && Number.isSafeInteger(json.amount) && json.amount > 0) return { kind: 'amount', amountMinor: json.amount };
    return { kind: 'failed', reason: 'amount hook answered without a positive integer amount or skip' };
  }

  return { chargeSubscription, recordSubscriptionState, callAmountHook };
}

/** The subscription row as a StateWrite states it. */
function stateUpdateOf(w: StateWrite): SubscriptionStateUpdate {
  return {
    state: w.state,
    stoppedReason: w.stoppedReason,
    period: w.period,
    nextChargeAt: w.nextChargeAt ? new Date(w.nextChargeAt) : null,
    amountMinor: BigInt(w.amountMinor),
    schedule: w.schedule,
    paymentMethod: w.paymentMethod,
    pendingChanges: w.pendingChanges,
  };
}

/** The attempt's own event: subscription.charged for a success, .charge_failed for any other outcome. */
function attemptEvent(input: ChargeInput, mode: 'test' | 'live', result: ChargeResult): SubscriptionEvent {
  const fields = {
    period: input.period,
    attempt: input.attempt,
    amount: input.amountMinor,
    currency: input.currency,
    gateway_code: result.code,
    gateway_message: result.message,
    gateway_transaction_id: result.transactionId ?? null,
    mode,
  };
  return result.outcome === 'success'
    ? { type: 'subscription.charged', payload: { ...fields, outcome: result.outcome } }
    : { type: 'subscription.charge_failed', payload: { ...fields, outcome: result.outcome } };
}

/** The attempt row of a charge input. */
function attemptRow(input: ChargeInput, key: string, mode: 'test' | 'live'): NewChargeAttempt {
  return { subscriptionId: input.subscriptionId, period: input.period, attempt: input.attempt, key, amountMinor: BigInt(input.amountMinor), currency: input.currency, mode };
}

/** The subscription row as the workflow states it, and the events of that change, in the caller's transaction. */
export async function writeState(tx: Queryable, w: StateWrite): Promise<void> {
  // The subscription's event lock before its row, as recordChargeOutcome takes them (migration 0021).
  await lockAggregate(tx, 'subscription', w.subscriptionId);
  await updateSubscriptionState(tx, w.subscriptionId, stateUpdateOf(w));
  for (const e of w.events) {
    await appendEvent(tx, subscriptionEventOf(w.subscriptionId, e));
  }
}
