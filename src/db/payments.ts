import type { FinalPaymentStatus, PaymentStatus } from '../domain/payment.js';
import { toJsonMinor } from '../domain/money.js';
import { checkEventPayload } from '../events/payload-check.js';
import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';

/** A row of `payments`. amount_minor is exact (bigint). */
export interface PaymentRow {
  id: string;
  customer_id: string;
  amount_minor: bigint;
  currency: string;
  gateway: string;
  mode: 'test' | 'live';
  description: string;
  reference: string;
  status: PaymentStatus;
  expires_at: Date;
  gateway_transaction_id: string | null;
  gateway_code: string | null;
  gateway_message: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  /** A reusable token the gateway returned with a success (for a subscription's first-payment flow). */
  payment_method_token: string | null;
  payment_method_expires: string | null;
  /** The gateway's adapter, settlement and expiry as they were when the payment started. */
  adapter: string;
  settlement: 'immediate' | 'deferred';
  payment_expiration_ms: bigint | null;
  /** Where the gateway's checkout sends the payer back to (a payment link's result page). */
  return_url: string | null;
  payment_link_id: string | null;
  /** Where the payer's browser goes to pay, once the gateway's checkout was started. */
  checkout_url: string | null;
  /** The gateway's own ids (hosted session, intent, charge) for refunds, disputes and status queries. */
  gateway_session_id: string | null;
  gateway_intent_id: string | null;
  gateway_charge_id: string | null;
  /** Held by refunds that did not fail (pending, succeeded, requires_manual); never above amount_minor. */
  refunded_minor: bigint;
  /** The gateway's late_success policy when the payment started; null before policies existed (the adapter's default). */
  late_success: 'refund' | 'keep' | null;
  /** The gateway's commission inside amount_minor (the top-up portal); 0 for every other payment. */
  commission_minor: bigint;
  /** What the customer is credited: amount_minor − commission_minor, computed by every read (COLUMNS). */
  credited_minor: bigint;
}

const COLUMNS = `id, customer_id, amount_minor, currency, gateway, mode, description, reference, status,
  expires_at, gateway_transaction_id, gateway_code, gateway_message, created_at, updated_at, completed_at,
  payment_method_token, payment_method_expires, adapter, settlement, payment_expiration_ms, return_url, payment_link_id,
  checkout_url, gateway_session_id, gateway_intent_id, gateway_charge_id, refunded_minor, late_success, commission_minor, (amount_minor - commission_minor) AS credited_minor`;

export interface NewPayment {
  id: string;
  customerId: string;
  amountMinor: bigint;
  currency: string;
  gateway: string;
  mode: 'test' | 'live';
  description: string;
  reference: string;
  expiresAt: Date;
  adapter: string;
  settlement: 'immediate' | 'deferred';
  paymentExpirationMs: number | null;
  returnUrl?: string | undefined;
  paymentLinkId?: string | undefined;
  lateSuccess: 'refund' | 'keep';
  /** The commission inside amountMinor; 0 when not given. */
  commissionMinor?: bigint | undefined;
}

/**
 * Inserts a pending payment with its `payment.created` event, in one statement (one round trip
 * fewer on every payment's creation: the API's, a link's, the portal's, a terminal's); returns
 * undefined if the reference is taken (the caller draws again). The event is inserted only
 * when the payment is (the reference was free); its payload is what the row holds, known before
 * the INSERT, and is checked here as appendEvent checks its own.
 */
export async function insertCreatedPayment(db: Queryable, p: NewPayment): Promise<PaymentRow | undefined> {
  const commission = p.commissionMinor ?? 0n;
  const payload = {
    payment_id: p.id,
    customer_id: p.customerId,
    amount: toJsonMinor(p.amountMinor),
    currency: p.currency,
    gateway: p.gateway,
    mode: p.mode,
    reference: p.reference,
    credited_amount: toJsonMinor(p.amountMinor - commission),
    commission: toJsonMinor(commission),
  };
  checkEventPayload('payment.created', 'payment', payload);
  const res = await db.query<PaymentRow>({
    name: 'insert-created-payment',
    text: `WITH created AS (
             INSERT INTO payments (id, customer_id, amount_minor, currency, gateway, mode, description, reference, expires_at,
                                   adapter, settlement, payment_expiration_ms, return_url, payment_link_id, late_success, commission_minor)
             VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::bigint)
             ON CONFLICT (reference) DO NOTHING
             RETURNING ${COLUMNS}),
           event AS (
             INSERT INTO events (type, aggregate_type, aggregate_id, payload)
             SELECT 'payment.created', 'payment', created.id, $17::jsonb FROM created)
           SELECT * FROM created`,
    values: [
      p.id, p.customerId, p.amountMinor.toString(), p.currency, p.gateway, p.mode, p.description, p.reference, p.expiresAt,
      p.adapter, p.settlement, p.paymentExpirationMs, p.returnUrl ?? null, p.paymentLinkId ?? null, p.lateSuccess,
      commission.toString(), JSON.stringify(payload),
    ],
  });
  return res.rows[0];
}

/** forUpdate: lock the row until the caller's transaction ends (expiry vs. a statement match). */
export async function findPayment(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<PaymentRow | undefined> {
  // Ids come from URLs: one Postgres cannot even compare (a NUL) names no payment, so the public
  // pages answer their own 404 instead of an error.
  if (id.includes('\u0000')) return undefined;
  const res = await db.query<PaymentRow>({ text: `SELECT ${COLUMNS} FROM payments WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, values: [id] });
  return res.rows[0];
}

export interface PaymentCompletion {
  status: FinalPaymentStatus;
  gatewayTransactionId?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  paymentMethodToken?: string | undefined;
  paymentMethodExpires?: string | undefined;
  /** The gateway's ids learned with the outcome; they fill what the checkout's start left empty. */
  ids?: { sessionId?: string | undefined; intentId?: string | undefined; chargeId?: string | undefined } | undefined;
}

/**
 * A payment as its completion left it, with its customer's billing currency read in the same
 * statement: the success's currency conversion needs it, and a second round trip for it is what
 * every completion paid before (a query is a syscall-priced round trip here: bench:terminals).
 */
export type CompletedPayment = PaymentRow & { customer_billing_currency: string | null };

/**
 * Moves a pending payment to a final status. Returns the updated row, or undefined when the
 * payment was no longer pending (the caller reads the row to learn what it already is).
 */
export async function completePendingPayment(
  db: Queryable,
  id: string,
  c: PaymentCompletion,
): Promise<CompletedPayment | undefined> {
  const res = await db.query<CompletedPayment>({
    name: 'complete-pending-payment',
    text: `UPDATE payments
              SET status = $2, gateway_transaction_id = COALESCE($3, gateway_transaction_id),
                  gateway_code = $4, gateway_message = $5, updated_at = now(), completed_at = now(),
                  payment_method_token = $6, payment_method_expires = $7,
                  gateway_session_id = COALESCE(gateway_session_id, $8), gateway_intent_id = COALESCE(gateway_intent_id, $9),
                  gateway_charge_id = COALESCE(gateway_charge_id, $10)
            WHERE id = $1 AND status = 'pending'
        RETURNING ${COLUMNS}, (SELECT c.billing_currency FROM customers c WHERE c.id = payments.customer_id) AS customer_billing_currency`,
    values: [
      id, c.status, c.gatewayTransactionId ?? null, c.code ?? null, c.message ?? null, c.paymentMethodToken ?? null, c.paymentMethodExpires ?? null,
      c.ids?.sessionId ?? null, c.ids?.intentId ?? null, c.ids?.chargeId ?? null,
    ],
  });
  return res.rows[0];
}

/** Whether a payment or a temporary payment already carries this reference. */
export async function referenceInUse(db: Queryable, reference: string): Promise<boolean> {
  const res = await db.query({
    text: 'SELECT 1 FROM payments WHERE reference = $1 UNION ALL SELECT 1 FROM temporary_payments WHERE reference = $1 LIMIT 1',
    values: [reference],
  });
  return (res.rowCount ?? 0) > 0;
}

/** The payment of a payment link still in flight, if any (there is at most one). */
export async function findPendingForLink(db: Queryable, linkId: string): Promise<PaymentRow | undefined> {
  const res = await db.query<PaymentRow>({
    text: `SELECT ${COLUMNS} FROM payments WHERE payment_link_id = $1 AND status = 'pending'`,
    values: [linkId],
  });
  return res.rows[0];
}

/** Pending payments per gateway name: a gateway removed from the file must not strand them silently. */
export async function pendingByGateway(db: Queryable): Promise<Map<string, number>> {
  const res = await db.query<{ gateway: string; n: number }>({ text: "SELECT gateway, count(*)::int AS n FROM payments WHERE status = 'pending' GROUP BY gateway" });
  return new Map(res.rows.map((r) => [r.gateway, r.n]));
}

export interface PaymentFilter {
  customerId?: string | undefined;
  gateway?: string | undefined;
  status?: PaymentStatus | undefined;
  mode?: 'test' | 'live' | undefined;
  /** created_at >= createdFrom and < createdTo (a day: from its midnight to the next). */
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  reference?: string | undefined;
  before?: Keyset | undefined;
  limit: number;
}

/** Newest first, keyset-paged by (created_at, id). */
export async function listPayments(db: Queryable, f: PaymentFilter): Promise<Array<PaymentRow & { cursor_at: string }>> {
  const res = await db.query<PaymentRow & { cursor_at: string }>({
    text: `SELECT ${COLUMNS}, ${CURSOR_AT} FROM payments
            WHERE ($1::text IS NULL OR customer_id = $1::text)
              AND ($2::text IS NULL OR gateway = $2::text)
              AND ($3::text IS NULL OR status = $3::text)
              AND ($4::text IS NULL OR mode = $4::text)
              AND ($5::timestamptz IS NULL OR created_at >= $5::timestamptz)
              AND ($6::timestamptz IS NULL OR created_at < $6::timestamptz)
              AND ($7::text IS NULL OR reference = $7::text)
              AND ${beforeKeyset(8)}
            ORDER BY created_at DESC, id DESC LIMIT $10`,
    values: [
      f.customerId ?? null, f.gateway ?? null, f.status ?? null, f.mode ?? null, f.createdFrom ?? null, f.createdTo ?? null,
      f.reference ?? null, ...keysetValues(f.before), f.limit,
    ],
  });
  return res.rows;
}

/** Keeps the started checkout's URL and the gateway's ids on the payment (the ids only fill gaps). */
/** Keeps a started checkout on its payment, while the payment is pending; false when it no longer is (canceled or ended meanwhile). */
export async function recordCheckoutStart(
  db: Queryable,
  paymentId: string,
  start: { url: string; ids: { sessionId?: string | undefined; intentId?: string | undefined; chargeId?: string | undefined } },
): Promise<boolean> {
  const res = await db.query({
    text: `UPDATE payments SET checkout_url = $2,
                  gateway_session_id = COALESCE(gateway_session_id, $3),
                  gateway_intent_id = COALESCE(gateway_intent_id, $4),
                  gateway_charge_id = COALESCE(gateway_charge_id, $5),
                  updated_at = now()
            WHERE id = $1 AND status = 'pending'`,
    values: [paymentId, start.url, start.ids.sessionId ?? null, start.ids.intentId ?? null, start.ids.chargeId ?? null],
  });
  return res.rowCount === 1;
}

/** Whether this payment's cancel was the one a keyed request asked for (its retry answers it again). */
export async function canceledByRequest(db: Queryable, paymentId: string, requestId: string): Promise<boolean> {
  const res = await db.query({
    text: "SELECT 1 FROM events WHERE aggregate_type = 'payment' AND aggregate_id = $1 AND type = 'payment.canceled' AND payload->>'request_id' = $2",
    values: [paymentId, requestId],
  });
  return (res.rowCount ?? 0) > 0;
}
