import { z } from '@hono/zod-openapi';
import { SUBSCRIPTION_STATES } from '../../domain/subscription.js';
import { AmountMinor, CurrencyCode } from '../openapi-common.js';

const YearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM').openapi({ example: '2028-09' });

export const ScheduleInput = z
  .union([
    z.object({ kind: z.literal('interval'), days: z.number().int().min(1).max(366), amount_hook: z.url().optional() }).strict(),
    z.object({ kind: z.literal('interval'), duration: z.string(), amount_hook: z.url().optional() }).strict(),
    z.object({ kind: z.literal('weekly'), weekday: z.number().int().min(1).max(7), amount_hook: z.url().optional() }).strict(),
    z.object({ kind: z.literal('monthly'), day: z.number().int().min(1).max(31), amount_hook: z.url().optional() }).strict(),
    z.object({ kind: z.literal('automatic') }).strict(),
  ])
  .openapi('Schedule', {
    description:
      'interval {days} (31 = one calendar month) or {duration} (ISO 8601, e.g. PT30S); weekly {weekday 1=Mon…7=Sun}; monthly {day 1–31, clamped to the month end}; automatic (charged on request). Scheduled kinds may name an amount_hook URL.',
    example: { kind: 'monthly', day: 31 },
  });

export const PaymentMethodInput = z
  .union([
    z.object({ token: z.string().min(1).max(200), expires: YearMonth.optional() }).strict(),
    z.object({ payment_id: z.string().min(1).max(100) }).strict(),
  ])
  .openapi('PaymentMethodInput', { example: { token: 'sandbox_approve', expires: '2028-09' } });

export const CreateSubscriptionBody = z
  .object({
    customer_id: z.string().min(1).max(100),
    gateway: z.string().min(1).max(50).openapi({ example: 'sandbox' }),
    payment_method: PaymentMethodInput,
    amount: AmountMinor,
    currency: CurrencyCode,
    schedule: ScheduleInput,
    time_zone: z.string().default('UTC').openapi({ example: 'Europe/Warsaw' }),
    first_charge_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'When the first charge is due. Default: now, or one period after the first payment (payment_method.payment_id). More than 5 minutes in the past: 422' }),
    next_charge_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'For a subscription moved in from another system: when its next charge is due (not in the past); use with periods_paid. Not with first_charge_at' }),
    periods_paid: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .openapi({ description: 'Periods already paid and never charged by Tollgate; the first charge is period periods_paid. Default 0, or 1 with a first payment (it is period 0)' }),
    ends_at: z.iso.datetime({ offset: true }).optional(),
    min_amount: AmountMinor.optional(),
    max_amount: AmountMinor.optional(),
    retry_schedule: z.array(z.string()).max(20).optional().openapi({ example: ['PT15M', 'PT6H', 'PT6H'] }),
  })
  .strict()
  .openapi('CreateSubscription');
export type CreateSubscriptionBody = z.infer<typeof CreateSubscriptionBody>;

export const ChargeAttempt = z
  .object({
    id: z.string().openapi({ description: 'Refund it with POST /v1/subscriptions/{id}/charge-attempts/{attemptId}/refunds' }),
    period: z.number().int(),
    attempt: z.number().int(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed', 'unknown']),
    outcome: z.string().nullable(),
    gateway_code: z.string().nullable(),
    gateway_message: z.string().nullable(),
    gateway_transaction_id: z.string().nullable(),
    mode: z.enum(['test', 'live']),
    idempotency_key: z.string(),
    /** The payment that paid the period through its payment link (SCA); null for gateway charges. */
    payment_id: z.string().nullable().openapi({ description: 'the payment that paid the period through its payment link after the card asked for authentication (SCA); null for charges of the stored card' }),
    refunded_amount: z.number().int().openapi({ description: 'Minor units held by refunds that did not fail' }),
    created_at: z.string(),
  })
  .openapi('ChargeAttempt');

export const Subscription = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    gateway: z.string(),
    mode: z.enum(['test', 'live']),
    state: z.enum(SUBSCRIPTION_STATES),
    stopped_reason: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    schedule: z.record(z.string(), z.unknown()),
    time_zone: z.string(),
    first_charge_at: z.string(),
    ends_at: z.string().nullable(),
    min_amount: z.number().int().nullable(),
    max_amount: z.number().int().nullable(),
    retry_schedule: z.array(z.string()),
    payment_method: z.object({ expires: z.string().nullable() }),
    period: z.number().int(),
    next_charge_at: z.string().nullable(),
    pending_changes: z.record(z.string(), z.unknown()).nullable(),
    first_payment_id: z.string().nullable().openapi({ description: 'The one-time payment that paid period 0' }),
    pending_stop: z
      .object({ by: z.enum(['user', 'admin']), reason: z.string().optional(), detail: z.string() })
      .nullable()
      .optional()
      .openapi({ description: 'A stop that arrived during a charge (202): it takes effect as soon as that charge ends' }),
    created_at: z.string(),
    attempts: z.array(ChargeAttempt).optional(),
    action_required: z
      .object({ period: z.number().int(), payment_link_id: z.string(), payment_link_url: z.string(), expires_at: z.string() })
      .nullable()
      .optional()
      .openapi({ description: "The period waits for the customer to authenticate (SCA) and pay on this payment link (as in subscription.action_required); null when nothing waits. Only on GET /v1/subscriptions/{id}" }),
  })
  .openapi('Subscription');
export type Subscription = z.infer<typeof Subscription>;

export const SubscriptionPage = z.object({ data: z.array(Subscription), next_cursor: z.string().nullable() }).openapi('SubscriptionPage');

/** What the list's `state` filter accepts (parseStates in the router), documented from the same constant. */
const ONE_STATE = `\\s*(?:${SUBSCRIPTION_STATES.join('|')})\\s*`;

export const ListQuery = z.object({
  state: z.string().optional().openapi({ description: 'Comma-separated states', example: 'active,past_due', pattern: `^${ONE_STATE}(?:,${ONE_STATE})*$` }),
  customer_id: z.string().optional(),
  chargeable_from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'next_charge_at ≥ this' }),
  chargeable_to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'next_charge_at < this' }),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const StopBody = z.object({ reason: z.string().max(500).optional() }).strict().openapi('StopSubscription');
export const ChangeTermsBody = z
  .object({ amount: AmountMinor.optional(), schedule: ScheduleInput.optional() })
  .strict()
  .refine((b) => b.amount !== undefined || b.schedule !== undefined, 'give amount and/or schedule')
  .openapi('ChangeSubscription');
export const ChargeBody = z.object({ amount: AmountMinor }).strict().openapi('ChargeRequest');
export const ChargeNowBody = z.object({ amount: AmountMinor.optional() }).strict().openapi('ChargeNow');
export const PaymentMethodBody = z.object({ token: z.string().min(1).max(200), expires: YearMonth.optional() }).strict().openapi('PaymentMethod');
