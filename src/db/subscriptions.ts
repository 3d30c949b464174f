import type { SubscriptionState } from '../domain/subscription.js';
import type { Queryable } from './pool.js';

/** A row of `subscriptions`, the queryable mirror of a subscription workflow's state. */
export interface SubscriptionRow {
  id: string;
  customer_id: string;
  gateway: string;
  mode: 'test' | 'live';
  payment_method: { token: string; expires: string | null };
  amount_minor: bigint;
  currency: string;
  schedule: Record<string, unknown>;
  time_zone: string;
  first_charge_at: Date;
  ends_at: Date | null;
  min_amount_minor: bigint | null;
  max_amount_minor: bigint | null;
  retry_schedule: string[];
  state: SubscriptionState;
  stopped_reason: string | null;
  period: number;
  next_charge_at: Date | null;
  pending_changes: Record<string, unknown> | null;
  /** The one-time payment that paid period 0, when the subscription was created from it. */
  first_payment_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, customer_id, gateway, mode, payment_method, amount_minor, currency, schedule, time_zone,
  first_charge_at, ends_at, min_amount_minor, max_amount_minor, retry_schedule, state, stopped_reason, period,
  next_charge_at, pending_changes, first_payment_id, created_at, updated_at`;

export interface NewSubscription {
  id: string;
  customerId: string;
  gateway: string;
  mode: 'test' | 'live';
  paymentMethod: { token: string; expires: string | null };
  amountMinor: bigint;
  currency: string;
  schedule: Record<string, unknown>;
  timeZone: string;
  firstChargeAt: Date;
  endsAt: Date | null;
  minAmountMinor: bigint | null;
  maxAmountMinor: bigint | null;
  retrySchedule: string[];
  /** The period charged next: periods before it were paid elsewhere (a first payment, another system). */
  period: number;
  nextChargeAt: Date | null;
  firstPaymentId: string | null;
}

export async function insertSubscription(db: Queryable, s: NewSubscription): Promise<SubscriptionRow> {
  const res = await db.query<SubscriptionRow>({
    text: `INSERT INTO subscriptions (id, customer_id, gateway, mode, payment_method, amount_minor, currency, schedule,
             time_zone, first_charge_at, ends_at, min_amount_minor, max_amount_minor, retry_schedule, next_charge_at, period,
             first_payment_id)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::bigint, $7, $8::jsonb, $9, $10, $11, $12::bigint, $13::bigint, $14::text[], $15, $16, $17)
           RETURNING ${COLUMNS}`,
    values: [
      s.id, s.customerId, s.gateway, s.mode, JSON.stringify(s.paymentMethod), s.amountMinor.toString(), s.currency,
      JSON.stringify(s.schedule), s.timeZone, s.firstChargeAt, s.endsAt, s.minAmountMinor?.toString() ?? null,
      s.maxAmountMinor?.toString() ?? null, s.retrySchedule, s.nextChargeAt, s.period, s.firstPaymentId,
    ],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO subscriptions returned no row');
  return row;
}

export async function findSubscription(db: Queryable, id: string): Promise<SubscriptionRow | undefined> {
  const res = await db.query<SubscriptionRow>({ text: `SELECT ${COLUMNS} FROM subscriptions WHERE id = $1`, values: [id] });
  return res.rows[0];
}

export interface SubscriptionFilter {
  states?: SubscriptionState[] | undefined;
  customerId?: string | undefined;
  chargeableFrom?: Date | undefined;
  chargeableTo?: Date | undefined;
  afterId?: string | undefined;
  limit: number;
}

/** Subscriptions in id order, filtered; page with afterId. */
export async function listSubscriptions(db: Queryable, f: SubscriptionFilter): Promise<SubscriptionRow[]> {
  const res = await db.query<SubscriptionRow>({
    text: `SELECT ${COLUMNS} FROM subscriptions
            WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
              AND ($2::text IS NULL OR customer_id = $2::text)
              AND ($3::timestamptz IS NULL OR next_charge_at >= $3::timestamptz)
              AND ($4::timestamptz IS NULL OR next_charge_at < $4::timestamptz)
              AND ($5::text IS NULL OR id > $5::text)
            ORDER BY id LIMIT $6`,
    values: [f.states ?? null, f.customerId ?? null, f.chargeableFrom ?? null, f.chargeableTo ?? null, f.afterId ?? null, f.limit],
  });
  return res.rows;
}

export interface SubscriptionStateUpdate {
  state: SubscriptionState;
  stoppedReason: string | null;
  period: number;
  nextChargeAt: Date | null;
  amountMinor: bigint;
  schedule: Record<string, unknown>;
  paymentMethod: { token: string; expires: string | null };
  pendingChanges: Record<string, unknown> | null;
}

/**
 * Mirrors the workflow's state. Throws when the row is not there (yet): a workflow started inside
 * the creating transaction can run before that transaction commits, and its write must then be
 * retried, not lost.
 */
export async function updateSubscriptionState(db: Queryable, id: string, u: SubscriptionStateUpdate): Promise<void> {
  const res = await db.query({
    text: `UPDATE subscriptions SET state = $2, stopped_reason = $3, period = $4, next_charge_at = $5,
                  amount_minor = $6::bigint, schedule = $7::jsonb, payment_method = $8::jsonb, pending_changes = $9::jsonb,
                  updated_at = now()
            WHERE id = $1`,
    values: [
      id, u.state, u.stoppedReason, u.period, u.nextChargeAt, u.amountMinor.toString(), JSON.stringify(u.schedule),
      JSON.stringify(u.paymentMethod), u.pendingChanges === null ? null : JSON.stringify(u.pendingChanges),
    ],
  });
  if (res.rowCount !== 1) throw new Error(`subscription ${id} has no row (yet); the state write is retried`);
}
