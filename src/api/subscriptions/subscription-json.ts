import type { ChargeAttemptRow } from '../../db/charge-attempts.js';
import type { PaymentLinkRow } from '../../db/payment-links.js';
import type { SubscriptionRow } from '../../db/subscriptions.js';
import { toJsonMinor } from '../../domain/money.js';
import type { Subscription } from './subscriptions.schemas.js';

/** waiting: the open payment link of the period that waits for the customer (SCA), when asked for (null: none). */
export function subscriptionJson(row: SubscriptionRow, attempts?: ChargeAttemptRow[], waiting?: { link: PaymentLinkRow | undefined; publicBaseUrl: string }): Subscription {
  return {
    id: row.id,
    customer_id: row.customer_id,
    gateway: row.gateway,
    mode: row.mode,
    state: row.state,
    stopped_reason: row.stopped_reason,
    amount: toJsonMinor(row.amount_minor),
    currency: row.currency,
    schedule: row.schedule,
    time_zone: row.time_zone,
    first_charge_at: row.first_charge_at.toISOString(),
    ends_at: row.ends_at?.toISOString() ?? null,
    min_amount: row.min_amount_minor === null ? null : toJsonMinor(row.min_amount_minor),
    max_amount: row.max_amount_minor === null ? null : toJsonMinor(row.max_amount_minor),
    retry_schedule: row.retry_schedule,
    // The token is a credential of sorts; only its expiry is shown.
    payment_method: { expires: row.payment_method.expires },
    period: row.period,
    next_charge_at: row.next_charge_at?.toISOString() ?? null,
    pending_changes: row.pending_changes,
    first_payment_id: row.first_payment_id,
    created_at: row.created_at.toISOString(),
    ...(attempts
      ? {
          attempts: attempts.map((a) => ({
            id: a.id.toString(),
            period: a.period,
            attempt: a.attempt,
            amount: toJsonMinor(a.amount_minor),
            currency: a.currency,
            status: a.status,
            outcome: a.outcome,
            gateway_code: a.gateway_code,
            gateway_message: a.gateway_message,
            gateway_transaction_id: a.gateway_transaction_id,
            mode: a.mode,
            idempotency_key: a.idempotency_key,
            payment_id: a.payment_id,
            refunded_amount: toJsonMinor(a.refunded_minor),
            created_at: a.created_at.toISOString(),
          })),
        }
      : {}),
    ...(waiting
      ? {
          action_required: waiting.link
            ? {
                period: waiting.link.subscription_period ?? row.period,
                payment_link_id: waiting.link.id,
                payment_link_url: `${waiting.publicBaseUrl}/pay/${waiting.link.token}`,
                expires_at: waiting.link.expires_at.toISOString(),
              }
            : null,
        }
      : {}),
  };
}
