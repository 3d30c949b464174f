import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { appendEvent } from '../db/events.js';
import type { SubscriptionEvent } from '../events/catalog.js';
import { newId } from '../db/ids.js';
import { closePaymentLink, insertPeriodLink, lockPaymentLink } from '../db/payment-links.js';
import { findPayment } from '../db/payments.js';
import { inTransaction } from '../db/pool.js';
import { findSubscription } from '../db/subscriptions.js';
import { type StateWrite, writeState } from './subscriptions.js';

/**
 * SCA for subscription charges (issue 11 §2): a period the issuer refused off-session for want of
 * the cardholder's authentication is paid by the customer on a payment link of its own; these
 * activities open that link, record the period as paid by the link's payment, and look at the link
 * once it has expired. The workflow side is src/workflows/subscription-authentication.ts.
 */
export interface AuthenticationActivityDeps {
  pool: pg.Pool;
  /** Where payers reach the pay page (`<base>/pay/<token>`). */
  publicBaseUrl: string;
  /** How long the customer has to authenticate and pay the period (ACTION_REQUIRED_LINK_DAYS). */
  actionLinkTtlMs: number;
}

export interface PeriodLink {
  linkId: string;
  url: string;
  expiresAt: string;
}

export type PeriodLinkCheck =
  | { kind: 'paid'; paymentId: string }
  /** A payment of the link is still in flight: look again after its deadline. */
  | { kind: 'pending'; until: string }
  | { kind: 'open'; until: string }
  | { kind: 'closed' };

/** Shortest life of a period's link, however soon the next period falls due. */
export const MIN_LINK_TTL_MS = 15 * 60_000;

/**
 * A period's link lives ACTION_REQUIRED_LINK_DAYS, but no longer than until the next period falls
 * due: a period paid later would leave the periods after it due in the past, charged at once one
 * after another (never less than MIN_LINK_TTL_MS, so the customer has time to act).
 */
export function linkExpiryMs(nowMs: number, ttlMs: number, nextDueMs: number | null): number {
  const until = nextDueMs === null ? nowMs + ttlMs : Math.min(nowMs + ttlMs, nextDueMs);
  return Math.max(until, nowMs + MIN_LINK_TTL_MS);
}

/** A charge-attempt key that no gateway ever sees: the period's payment through its link. */
export const linkAttemptKey = (subscriptionId: string, period: number) => `${subscriptionId}:${period}:link`;

export function createAuthenticationActivities(deps: AuthenticationActivityDeps) {
  /**
   * Opens the period's link (once: a retry finds it) and writes the subscription's past_due state
   * with its events and `subscription.action_required` carrying the link, in one transaction.
   */
  async function requireAuthentication(input: {
    subscriptionId: string; customerId: string; period: number; amountMinor: number; currency: string; gatewayCode: string | null; state: StateWrite;
    /** Workflow time: the link's expiry is the workflow's, whose timer looks at the link then. */
    nowMs: number;
    /** When the next period falls due (null: never): the link expires by then. */
    nextDueMs: number | null;
  }): Promise<PeriodLink> {
    return inTransaction(deps.pool, async (tx) => {
      const id = newId('plk');
      const link = await insertPeriodLink(tx, {
        id,
        token: randomBytes(24).toString('base64url'),
        customer_id: input.customerId,
        kind: 'invoice',
        amount_minor: BigInt(input.amountMinor),
        currency: input.currency,
        description: `Subscription payment (period ${input.period}): your bank asks you to confirm it`,
        invoice_reference: null,
        customer_name: null,
        customer_email: null,
        expires_at: new Date(linkExpiryMs(input.nowMs, deps.actionLinkTtlMs, input.nextDueMs)),
        subscription_id: input.subscriptionId,
        subscription_period: input.period,
      });
      const found: PeriodLink = { linkId: link.id, url: `${deps.publicBaseUrl}/pay/${link.token}`, expiresAt: link.expires_at.toISOString() };
      // Written before by an earlier try of this activity, in the transaction that made the link.
      if (link.id !== id) return found;
      const event: SubscriptionEvent = {
        type: 'subscription.action_required',
        payload: {
          period: input.period, amount: input.amountMinor, currency: input.currency, gateway_code: input.gatewayCode,
          payment_link_id: found.linkId, payment_link_url: found.url, expires_at: found.expiresAt,
        },
      };
      await writeState(tx, { ...input.state, events: [...input.state.events, event] });
      return found;
    });
  }

  /**
   * Records the period as charged by the link's payment: an attempt row (key `<id>:<period>:link`,
   * outcome success, naming the payment) with `subscription.charged`, and the next period's state
   * with its events, in one transaction. Only the link's first succeeded payment counts (markLinkPaid
   * keeps it), and only once: the key is unique, and so is a period's success
   * (charge_attempts_one_success_per_period_idx). A reusable token the payment returned through the
   * subscription's own gateway, in its mode, replaces the stored payment method (the state written
   * carries it).
   */
  async function recordPeriodPaidByLink(input: {
    subscriptionId: string; period: number; attempt: number; linkId: string; paymentId: string; gateway: string; state: StateWrite;
  }): Promise<{ recorded: true; paymentMethod: StateWrite['paymentMethod'] } | { recorded: false; reason: string }> {
    return inTransaction(deps.pool, async (tx) => {
      const link = await lockPaymentLink(tx, input.linkId);
      if (!link || link.subscription_id !== input.subscriptionId || link.subscription_period !== input.period) {
        return { recorded: false as const, reason: `link ${input.linkId} is not this period's` };
      }
      const payment = await findPayment(tx, input.paymentId);
      if (!payment || payment.status !== 'succeeded' || link.paid_payment_id !== payment.id) {
        return { recorded: false as const, reason: `payment ${input.paymentId} is not the succeeded payment of link ${link.id}` };
      }
      // A card saved through another gateway, or in the other mode (the link's payment starts in the
      // gateway's mode now, the subscription charges in its own), could not be charged: kept out.
      const mode = (await findSubscription(tx, input.subscriptionId))?.mode;
      const usable = payment.gateway === input.gateway && payment.mode === mode && payment.payment_method_token !== null;
      const paymentMethod = usable ? { token: payment.payment_method_token ?? '', expires: payment.payment_method_expires } : input.state.paymentMethod;
      const key = linkAttemptKey(input.subscriptionId, input.period);
      const inserted = await tx.query<{ id: string }>({
        text: `INSERT INTO charge_attempts (subscription_id, period, attempt, idempotency_key, amount_minor, currency, mode, status, outcome,
                                            gateway_code, gateway_message, payment_id, completed_at)
               SELECT $1, $2, $3, $4, $5::bigint, $6, $7, 'succeeded', 'success', $8, $9, $10, now()
                WHERE NOT EXISTS (SELECT FROM charge_attempts WHERE subscription_id = $1 AND period = $2 AND status = 'succeeded')
               ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        values: [
          input.subscriptionId, input.period, input.attempt, key, payment.amount_minor.toString(), payment.currency, payment.mode,
          payment.gateway_code, `paid by the customer through payment link ${link.id}`, payment.id,
        ],
      });
      if (inserted.rowCount !== 1) {
        const first = await tx.query<{ payment_id: string | null }>({
          text: "SELECT payment_id FROM charge_attempts WHERE subscription_id = $1 AND period = $2 AND status = 'succeeded'",
          values: [input.subscriptionId, input.period],
        });
        // This payment was recorded before (a retry after a lost answer): the same answer again.
        if (first.rows[0]?.payment_id === payment.id) return { recorded: true as const, paymentMethod };
        return { recorded: false as const, reason: `period ${input.period} was charged already` };
      }
      await appendEvent(tx, {
        type: 'subscription.charged',
        aggregateType: 'subscription',
        aggregateId: input.subscriptionId,
        payload: {
          subscription_id: input.subscriptionId, period: input.period, attempt: input.attempt, amount: Number(payment.amount_minor), currency: payment.currency,
          outcome: 'success', payment_id: payment.id, payment_link_id: link.id, gateway: payment.gateway, gateway_code: payment.gateway_code,
          gateway_transaction_id: payment.gateway_transaction_id, mode: payment.mode, payment_method_replaced: usable,
        },
      });
      await writeState(tx, { ...input.state, paymentMethod });
      return { recorded: true as const, paymentMethod };
    });
  }

  /**
   * The link once its expiry (and the grace the workflow adds) has passed, or once its period was
   * abandoned: paid (a success whose signal never came), still in flight, not expired yet by the
   * workflow's clock, or closed now for good — unpaid, with no payment in flight, so nothing can
   * pay the period any more.
   */
  async function checkPeriodLink(input: { linkId: string; graceMs: number; nowMs: number; abandoned?: boolean }): Promise<PeriodLinkCheck> {
    return inTransaction(deps.pool, async (tx) => {
      const link = await lockPaymentLink(tx, input.linkId);
      if (!link) return { kind: 'closed' as const };
      if (link.paid_payment_id) return { kind: 'paid' as const, paymentId: link.paid_payment_id };
      const pending = await tx.query<{ expires_at: Date }>({
        text: "SELECT expires_at FROM payments WHERE payment_link_id = $1 AND status = 'pending' ORDER BY expires_at DESC LIMIT 1",
        values: [link.id],
      });
      const inFlight = pending.rows[0];
      if (inFlight) return { kind: 'pending' as const, until: new Date(inFlight.expires_at.getTime() + input.graceMs).toISOString() };
      const closesAt = link.expires_at.getTime() + input.graceMs;
      // abandoned: the subscription moved past the period (an admin's resume), so it closes now.
      if (!input.abandoned && closesAt > input.nowMs) return { kind: 'open' as const, until: new Date(closesAt).toISOString() };
      await closePaymentLink(tx, link.id);
      return { kind: 'closed' as const };
    });
  }

  return { requireAuthentication, recordPeriodPaidByLink, checkPeriodLink };
}
