import type { Queryable } from './pool.js';

/** A row of `payment_links`. */
export interface PaymentLinkRow {
  id: string;
  token: string;
  customer_id: string;
  kind: 'invoice' | 'balance';
  amount_minor: bigint;
  currency: string;
  description: string;
  invoice_reference: string | null;
  customer_name: string | null;
  customer_email: string | null;
  expires_at: Date;
  paid_payment_id: string | null;
  created_at: Date;
  /** A link that pays one subscription period the card could not (SCA): that subscription and period. */
  subscription_id: string | null;
  subscription_period: number | null;
  /** When its subscription gave up on it (expired unpaid): the pay page refuses it from then on. */
  closed_at: Date | null;
}

const COLUMNS = `id, token, customer_id, kind, amount_minor, currency, description, invoice_reference, customer_name,
  customer_email, expires_at, paid_payment_id, created_at, subscription_id, subscription_period, closed_at`;

type NewPaymentLink = Omit<PaymentLinkRow, 'paid_payment_id' | 'created_at' | 'subscription_id' | 'subscription_period' | 'closed_at'>;

export async function insertPaymentLink(db: Queryable, l: NewPaymentLink): Promise<PaymentLinkRow> {
  const res = await db.query<PaymentLinkRow>({
    text: `INSERT INTO payment_links (id, token, customer_id, kind, amount_minor, currency, description, invoice_reference,
                                      customer_name, customer_email, expires_at)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
    values: [l.id, l.token, l.customer_id, l.kind, l.amount_minor.toString(), l.currency, l.description, l.invoice_reference, l.customer_name, l.customer_email, l.expires_at],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO payment_links returned no row');
  return row;
}

export async function findPaymentLink(db: Queryable, by: { id: string } | { token: string }): Promise<PaymentLinkRow | undefined> {
  const [column, value] = 'id' in by ? ['id', by.id] : ['token', by.token];
  if (value.includes('\u0000')) return undefined; // from a URL: no link has one (see findPayment)
  const res = await db.query<PaymentLinkRow>({ text: `SELECT ${COLUMNS} FROM payment_links WHERE ${column} = $1`, values: [value] });
  return res.rows[0];
}

/** Marks the link paid by its first succeeded payment; later successes do not overwrite it. */
export async function markLinkPaid(db: Queryable, linkId: string, paymentId: string): Promise<void> {
  await db.query({ text: 'UPDATE payment_links SET paid_payment_id = $2 WHERE id = $1 AND paid_payment_id IS NULL', values: [linkId, paymentId] });
}

/**
 * The link of one subscription period, created once: a repeat (a retried activity) returns the
 * link written first, so the period never has two.
 */
export async function insertPeriodLink(db: Queryable, l: NewPaymentLink & { subscription_id: string; subscription_period: number }): Promise<PaymentLinkRow> {
  await db.query({
    text: `INSERT INTO payment_links (id, token, customer_id, kind, amount_minor, currency, description, invoice_reference,
                                      customer_name, customer_email, expires_at, subscription_id, subscription_period)
           VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (subscription_id, subscription_period) WHERE subscription_id IS NOT NULL DO NOTHING`,
    values: [
      l.id, l.token, l.customer_id, l.kind, l.amount_minor.toString(), l.currency, l.description, l.invoice_reference, l.customer_name,
      l.customer_email, l.expires_at, l.subscription_id, l.subscription_period,
    ],
  });
  const res = await db.query<PaymentLinkRow>({
    text: `SELECT ${COLUMNS} FROM payment_links WHERE subscription_id = $1 AND subscription_period = $2`,
    values: [l.subscription_id, l.subscription_period],
  });
  const row = res.rows[0];
  if (!row) throw new Error(`payment link of ${l.subscription_id} period ${l.subscription_period} vanished`);
  return row;
}

/** Locks a link row until the caller's transaction ends (a recovery and a close are ordered by it). */
export async function lockPaymentLink(db: Queryable, id: string): Promise<PaymentLinkRow | undefined> {
  const res = await db.query<PaymentLinkRow>({ text: `SELECT ${COLUMNS} FROM payment_links WHERE id = $1 FOR UPDATE`, values: [id] });
  return res.rows[0];
}

/** Closes an unpaid link for good (its subscription gave up on it). */
export async function closePaymentLink(db: Queryable, id: string): Promise<void> {
  await db.query({ text: 'UPDATE payment_links SET closed_at = now() WHERE id = $1 AND paid_payment_id IS NULL AND closed_at IS NULL', values: [id] });
}

/** The open (unpaid, not closed) link of a subscription period, if it has one. */
export async function findOpenPeriodLink(db: Queryable, subscriptionId: string, period: number): Promise<PaymentLinkRow | undefined> {
  const res = await db.query<PaymentLinkRow>({
    text: `SELECT ${COLUMNS} FROM payment_links
            WHERE subscription_id = $1 AND subscription_period = $2 AND paid_payment_id IS NULL AND closed_at IS NULL`,
    values: [subscriptionId, period],
  });
  return res.rows[0];
}
