import type { ChargeOutcome } from '../domain/subscription.js';
import type { SubscriptionEvent } from '../events/catalog.js';
import { checkEventPayload } from '../events/payload-check.js';
import type { ChargeAttemptRow } from './charge-attempts.js';
import type { Queryable } from './pool.js';
import type { SubscriptionStateUpdate } from './subscriptions.js';

export interface ChargeOutcomeWrite {
  key: string;
  subscriptionId: string;
  status: ChargeAttemptRow['status'];
  outcome: ChargeOutcome;
  code: string | null;
  message: string | null;
  transactionId: string | null;
  /** The gateway's ids for the charge (Stripe's PaymentIntent and charge): its webhooks and disputes name the intent. */
  ids?: { intentId?: string | undefined; chargeId?: string | undefined } | undefined;
  /** The attempt's own event (subscription.charged / .charge_failed). */
  event: SubscriptionEvent;
  /** A success's next state, and the events that go with that state change. */
  next?: { state: SubscriptionStateUpdate; events: SubscriptionEvent[] } | undefined;
}

/**
 * Completes an attempt's row, appends its event and — for a success that carries one — writes the
 * subscription's next state and its events: one statement, so one round trip instead of a
 * transaction of five, and atomic all the same (a statement commits whole or not at all; the
 * sub-statements of a WITH share one snapshot, PostgreSQL docs §7.8.4 "Data-Modifying Statements
 * in WITH"). Nothing is written when the row was completed already by another try of the attempt
 * (completed: false); that try wrote what went with it. The events are inserted by one INSERT in
 * their order (the attempt's first), so their ids keep it. The state row is always there (the
 * attempt's row references it), but should its update find nothing, stateWritten is false and the
 * workflow writes the state itself, as for older code.
 */
export async function recordChargeOutcome(db: Queryable, w: ChargeOutcomeWrite): Promise<{ completed: boolean; stateWritten: boolean }> {
  const s = w.next?.state;
  const events = [w.event, ...(w.next?.events ?? [])].map((e) => ({ type: e.type, payload: { subscription_id: w.subscriptionId, ...e.payload } }));
  // Inserted by SQL below rather than appendEvent, so checked here as appendEvent checks its own.
  for (const e of events) checkEventPayload(e.type, 'subscription', e.payload);
  const res = await db.query<{ completed: boolean; state_written: boolean }>({
    name: 'record-charge-outcome',
    text: `WITH done AS (
             UPDATE charge_attempts SET status = $2, outcome = $3, gateway_code = $4, gateway_message = $5,
                    gateway_transaction_id = $6, gateway_intent_id = COALESCE($18, gateway_intent_id),
                    gateway_charge_id = COALESCE($19, gateway_charge_id), completed_at = CASE WHEN $2 = 'unknown' THEN NULL ELSE now() END
              WHERE idempotency_key = $1 AND status IN ('pending', 'unknown')
                -- The subscription's event lock first, before any row (its one order: migration 0021).
                AND (SELECT tollgate_lock_aggregate('subscription', $7))
             RETURNING id
           ), next_state AS (
             UPDATE subscriptions SET state = $9, stopped_reason = $10, period = $11, next_charge_at = $12,
                    amount_minor = $13::bigint, schedule = $14::jsonb, payment_method = $15::jsonb, pending_changes = $16::jsonb,
                    updated_at = now()
              WHERE id = $7 AND $8::boolean AND EXISTS (SELECT FROM done)
             RETURNING id
           ), appended AS (
             INSERT INTO events (type, aggregate_type, aggregate_id, payload)
             SELECT e.value->>'type', 'subscription', $7, e.value->'payload'
               FROM jsonb_array_elements($17::jsonb) WITH ORDINALITY AS e(value, n)
              WHERE EXISTS (SELECT FROM done) AND (e.n = 1 OR EXISTS (SELECT FROM next_state))
              ORDER BY e.n
             RETURNING id
           )
           -- appended runs although nothing reads it: every data-modifying WITH runs to completion.
           SELECT EXISTS (SELECT FROM done) AS completed, EXISTS (SELECT FROM next_state) AS state_written`,
    values: [
      w.key, w.status, w.outcome, w.code, w.message, w.transactionId, w.subscriptionId, s !== undefined,
      s?.state ?? null, s?.stoppedReason ?? null, s?.period ?? null, s?.nextChargeAt ?? null, s?.amountMinor.toString() ?? null,
      s ? JSON.stringify(s.schedule) : null, s ? JSON.stringify(s.paymentMethod) : null,
      s?.pendingChanges ? JSON.stringify(s.pendingChanges) : null, JSON.stringify(events),
      w.ids?.intentId ?? null, w.ids?.chargeId ?? null,
    ],
  });
  const row = res.rows[0];
  return { completed: row?.completed === true, stateWritten: row?.state_written === true };
}
