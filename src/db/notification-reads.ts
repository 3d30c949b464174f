import type { ChargeOutcome } from '../domain/subscription.js';
import type { NotificationLocale } from '../notifications/types.js';
import type { Queryable } from './pool.js';

/**
 * What the e-mail rules read beside an event's payload (src/notifications/customer-rules.ts), in
 * the fan-out's transaction. Reads only; no card data is selected (a payment method's token never).
 */

export interface EmailRecipient {
  customer_id: string;
  name: string;
  /** The customer's own address, else the one typed on the payment's link; null: nobody to write to. */
  email: string | null;
  locale: NotificationLocale;
}

/** The customer, and the payment link's e-mail when the payment came through a link and the customer has none. */
export async function findEmailRecipient(db: Queryable, customerId: string, paymentId?: string | null): Promise<EmailRecipient | undefined> {
  const res = await db.query<EmailRecipient>({
    text: `SELECT c.id AS customer_id, c.name, c.locale,
                  COALESCE(NULLIF(btrim(c.email), ''),
                           (SELECT NULLIF(btrim(l.customer_email), '') FROM payments p JOIN payment_links l ON l.id = p.payment_link_id
                             WHERE p.id = $2::text AND p.customer_id = c.id)) AS email
             FROM customers c WHERE c.id = $1::text`,
    values: [customerId, paymentId ?? null],
  });
  return res.rows[0];
}

export interface PaymentForEmail {
  id: string;
  amount_minor: bigint;
  currency: string;
  gateway: string;
  reference: string;
  description: string;
  completed_at: Date | null;
}

export async function findPaymentForEmail(db: Queryable, paymentId: string): Promise<PaymentForEmail | undefined> {
  const res = await db.query<PaymentForEmail>({
    text: 'SELECT id, amount_minor, currency, gateway, reference, description, completed_at FROM payments WHERE id = $1::text',
    values: [paymentId],
  });
  return res.rows[0];
}

export interface SubscriptionForEmail {
  id: string;
  customer_id: string;
  amount_minor: bigint;
  currency: string;
  gateway: string;
  time_zone: string;
  next_charge_at: Date | null;
}

export async function findSubscriptionForEmail(db: Queryable, subscriptionId: string): Promise<SubscriptionForEmail | undefined> {
  const res = await db.query<SubscriptionForEmail>({
    text: 'SELECT id, customer_id, amount_minor, currency, gateway, time_zone, next_charge_at FROM subscriptions WHERE id = $1::text',
    values: [subscriptionId],
  });
  return res.rows[0];
}

/** The amount a period's last attempt asked for (the amount hook may have changed it from the subscription's). */
export async function lastAttemptAmount(db: Queryable, subscriptionId: string, period: number): Promise<{ amount_minor: bigint; currency: string } | undefined> {
  const res = await db.query<{ amount_minor: bigint; currency: string }>({
    text: `SELECT amount_minor, currency FROM charge_attempts
            WHERE subscription_id = $1::text AND period = $2::int ORDER BY attempt DESC, id DESC LIMIT 1`,
    values: [subscriptionId, period],
  });
  return res.rows[0];
}

export interface AnsweredAttempt {
  attempt: number;
  outcome: ChargeOutcome;
  completed_at: Date;
}

/** A period's answered charge attempts, oldest first: what the gateway said to each (pending ones have no outcome yet). */
export async function answeredAttempts(db: Queryable, subscriptionId: string, period: number): Promise<AnsweredAttempt[]> {
  const res = await db.query<AnsweredAttempt>({
    text: `SELECT attempt, outcome, completed_at FROM charge_attempts
            WHERE subscription_id = $1::text AND period = $2::int AND outcome IS NOT NULL AND completed_at IS NOT NULL
            ORDER BY attempt, id`,
    values: [subscriptionId, period],
  });
  return res.rows;
}

/** The period's own payment link (SCA: the bank asked the customer to confirm), while it can still be paid. */
export async function openPeriodLink(db: Queryable, subscriptionId: string, period: number): Promise<{ token: string; expires_at: Date } | undefined> {
  const res = await db.query<{ token: string; expires_at: Date }>({
    text: `SELECT token, expires_at FROM payment_links
            WHERE subscription_id = $1::text AND subscription_period = $2::int
              AND paid_payment_id IS NULL AND closed_at IS NULL AND expires_at > now()`,
    values: [subscriptionId, period],
  });
  return res.rows[0];
}
