import { z } from '@hono/zod-openapi';
import { CHARGE_OUTCOMES } from '../../domain/subscription.js';
import { Currency, eventSpec, Id, Iso, Minor, Mode } from './common.js';

const Sub = { subscription_id: Id };
/** The schedule as the subscription holds it (src/domain/schedule.ts Schedule): its kind and that kind's fields. */
const Schedule = z.looseObject({ kind: z.enum(['interval', 'weekly', 'monthly', 'automatic']) }).openapi({ description: 'interval {days | duration}, weekly {weekday}, monthly {day}, automatic; amount_hook optional' });
const StoppedBy = z.enum(['user', 'admin', 'system']);

/** A charge attempt's outcome as subscription.charged and .charge_failed write it. */
const ChargeFields = z.object({
  ...Sub,
  period: z.number().int(),
  attempt: z.number().int(),
  amount: Minor,
  currency: Currency,
  gateway_code: z.string().nullable(),
  gateway_message: z.string().nullable().optional(),
  gateway_transaction_id: z.string().nullable(),
  mode: Mode,
});

export const SUBSCRIPTION_EVENTS = {
  'subscription.created': eventSpec(['subscription'], 'A subscription was created (its first period may be paid already by a payment).', z.object({
    ...Sub,
    customer_id: Id,
    amount: Minor,
    currency: Currency,
    schedule: Schedule,
    mode: Mode,
    period: z.number().int(),
    periods_paid: z.number().int(),
    first_payment_id: z.string().nullable(),
    next_charge_at: Iso.nullable(),
  })),
  'subscription.charged': eventSpec(['subscription'], "A period was paid: by the gateway's charge, or by the customer through the period's payment link (payment_id, payment_link_id).", ChargeFields.extend({
    outcome: z.literal('success'),
    payment_id: z.string().optional(),
    payment_link_id: z.string().optional(),
    gateway: z.string().optional(),
    payment_method_replaced: z.boolean().optional(),
  })),
  'subscription.charge_failed': eventSpec(['subscription'], 'A charge attempt did not succeed (a decline, a technical error, an unknown outcome, or the bank asks the customer to authenticate).', ChargeFields.extend({
    outcome: z.enum(CHARGE_OUTCOMES).exclude(['success']),
  })),
  'subscription.past_due': eventSpec(['subscription'], 'A charge failed and retries are pending (retry_at), or the customer must authenticate it (retry_at null).', z.object({
    ...Sub, period: z.number().int(), retry_at: Iso.nullable(), gateway_code: z.string().nullable(),
  })),
  'subscription.recovered': eventSpec(['subscription'], 'A past-due period was paid at last.', z.object({
    ...Sub, period: z.number().int(), attempts: z.number().int(), payment_id: z.string().optional(),
  })),
  'subscription.stopped': eventSpec(['subscription'], 'The subscription stopped: by the user, an admin, or the system (hard decline, retries exhausted, card expired, end date, lost dispute).', z.object({
    ...Sub,
    by: StoppedBy,
    reason: z.enum(['user_request', 'admin_request', 'hard_decline', 'retries_exhausted', 'card_expired', 'ended', 'disputed']),
    detail: z.string().optional(),
  })),
  'subscription.reactivated': eventSpec(['subscription'], 'A stopped subscription is active again (the user reactivated it, or an admin resumed it).', z.object({
    ...Sub, by: z.enum(['user', 'admin']), next_charge_at: Iso.nullable(),
  })),
  'subscription.updated': eventSpec(['subscription'], 'Its terms changed: amount or schedule (effective_from_period), a new payment method, or pending changes applied at a period boundary (applied).', z.object({
    ...Sub,
    amount: Minor.optional(),
    schedule: Schedule.optional(),
    effective_from_period: z.number().int().optional(),
    payment_method: z.object({ expires: z.string().nullable() }).optional().openapi({ description: 'The new method\'s expiry (never its token)' }),
    applied: z.literal(true).optional(),
    period: z.number().int().optional(),
  })),
  'subscription.charge_skipped': eventSpec(['subscription'], "A period was not charged: the amount hook said skip or failed, or the amount was outside the subscription's or the gateway's limits.", z.object({
    ...Sub, period: z.number().int(), amount: Minor.optional(), reason: z.string(),
  })),
  'subscription.action_required': eventSpec(['subscription'], 'The bank asks the customer to authenticate the charge (SCA): send them the payment link.', z.object({
    ...Sub,
    period: z.number().int(),
    amount: Minor,
    currency: Currency,
    gateway_code: z.string().nullable(),
    payment_link_id: Id,
    payment_link_url: z.string(),
    expires_at: Iso,
  })),
  'card.expiring': eventSpec(['subscription'], "The subscription's card expires before its next charge: ask the customer for a new one.", z.object({
    ...Sub, customer_id: Id, expires: z.string().nullable(), next_charge_at: Iso.nullable(),
  })),
} as const;
