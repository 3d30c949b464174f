import { z } from 'zod';

/**
 * The parts of Stripe's webhook events Tollgate reads (https://docs.stripe.com/api/events/object),
 * validated before anything is believed; everything else in the event is ignored. Ids are
 * bounded, metadata values are Stripe's own limit (500 characters).
 */
const Id = (...prefixes: string[]) => z.string().regex(new RegExp(`^(${prefixes.join('|')})_[A-Za-z0-9_]{1,250}$`), `a Stripe ${prefixes.map((p) => `${p}_…`).join(' or ')} id`);
const Expandable = (...prefixes: string[]) => z.union([Id(...prefixes), z.object({ id: Id(...prefixes) }).passthrough()]);
/** A charge: ch_ for cards, py_ for other payment methods (bank debits, Przelewy24, BLIK…). */
const CHARGE = ['ch', 'py'];
const Metadata = z.record(z.string().max(40), z.string().max(500)).nullish().transform((m) => m ?? {});
const Currency = z.string().regex(/^[a-z]{3}$/, 'a lower-case ISO 4217 currency code');

export const CheckoutSessionObject = z.object({
  id: Id('cs'),
  object: z.literal('checkout.session'),
  client_reference_id: z.string().max(200).nullish(),
  metadata: Metadata,
  payment_intent: Expandable('pi').nullish(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  status: z.enum(['open', 'complete', 'expired']).nullish(),
});

export const PaymentIntentObject = z.object({
  id: Id('pi'),
  object: z.literal('payment_intent'),
  metadata: Metadata,
  status: z.string().max(50),
  customer: Expandable('cus').nullish(),
  payment_method: Expandable('pm').nullish(),
  setup_future_usage: z.string().max(50).nullish(),
  latest_charge: Expandable(...CHARGE).nullish(),
  last_payment_error: z.object({ code: z.string().max(100).nullish(), decline_code: z.string().max(100).nullish(), message: z.string().max(1000).nullish() }).passthrough().nullish(),
});

export const RefundObject = z.object({
  id: Id('re'),
  object: z.literal('refund'),
  metadata: Metadata,
  status: z.string().max(50).nullable(),
  failure_reason: z.string().max(100).nullish(),
  created: z.number().int(),
});

/** charge.refunded: the charge, with its refunds when the account's API version still lists them (before 2022-11-15). */
export const ChargeObject = z.object({
  id: Id(...CHARGE),
  object: z.literal('charge'),
  payment_intent: Expandable('pi').nullish(),
  refunds: z.object({ data: z.array(RefundObject) }).passthrough().nullish(),
});

export const DisputeObject = z.object({
  id: Id('dp'),
  object: z.literal('dispute'),
  amount: z.number().int().min(1),
  currency: Currency,
  status: z.string().max(50),
  reason: z.string().max(100).nullish(),
  payment_intent: Expandable('pi').nullish(),
});

/** The event types Tollgate takes; the endpoint in Stripe's dashboard should be subscribed to these only. */
export const STRIPE_EVENT_TYPES = [
  'checkout.session.completed',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
  'refund.updated',
  'refund.failed',
  'charge.dispute.created',
  'charge.dispute.closed',
] as const;
export type StripeEventType = (typeof STRIPE_EVENT_TYPES)[number];

export const StripeEventEnvelope = z.object({
  id: Id('evt'),
  object: z.literal('event'),
  type: z.string().max(100),
  livemode: z.boolean(),
  data: z.object({ object: z.unknown() }),
});
