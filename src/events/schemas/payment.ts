import { z } from '@hono/zod-openapi';
import { Currency, eventSpec, Id, Minor, Mode } from './common.js';
import { ConversionFields } from './conversion.js';

/** What the payer paid against what the customer is credited (the top-up portal's commission). */
const CommissionFields = z.object({
  credited_amount: Minor.openapi({ description: 'What the customer is credited: amount less commission (all of it but for top-up portal payments)' }),
  commission: Minor.openapi({ description: "The gateway's commission inside amount, paid by the payer (0 but for top-up portal payments)" }),
});

/** What every payment event but payment.created carries (src/db/late-success.ts paymentEventPayload). */
export const PaymentFields = z.object({
  payment_id: Id,
  customer_id: Id,
  status: z.enum(['pending', 'succeeded', 'failed', 'expired', 'canceled']),
  amount: Minor,
  currency: Currency,
  gateway: z.string(),
  mode: Mode,
  reference: z.string().openapi({ description: 'The short reference (variable symbol) a bank transfer carries' }),
  gateway_transaction_id: z.string().nullable(),
  gateway_code: z.string().nullable(),
  ...CommissionFields.shape,
});
export type PaymentFields = z.infer<typeof PaymentFields>;

/** What every dispute event carries (src/activities/disputes.ts). */
export const DisputeFields = z.object({
  dispute_id: Id,
  gateway: z.string(),
  gateway_dispute_id: z.string(),
  payment_id: z.string().nullable(),
  charge_attempt_id: z.string().nullable(),
  subscription_id: z.string().nullable(),
  customer_id: Id,
  amount: Minor,
  currency: Currency,
  reason: z.string().nullable(),
});
export type DisputeFields = z.infer<typeof DisputeFields>;

/** How much of a payment or a charge attempt is refunded after a refund's success or reversal. */
export const RefundedFields = z.object({
  refund_id: Id,
  customer_id: Id,
  amount: Minor.openapi({ description: 'What was captured' }),
  refund_amount: Minor.openapi({ description: "This refund's amount" }),
  refunded_amount: Minor.openapi({ description: 'All succeeded refunds of it together, now' }),
  currency: Currency,
  full: z.boolean().openapi({ description: 'Whether all of it is refunded now' }),
});

const finalPayment = (status: 'succeeded' | 'failed' | 'expired') => PaymentFields.extend({ status: z.literal(status) });

export const PAYMENT_EVENTS = {
  'payment.created': eventSpec(['payment'], 'A payment was created (API, payment link, pay page); it waits for its gateway.', z.object({
    payment_id: Id, customer_id: Id, amount: Minor, currency: Currency, gateway: z.string(), mode: Mode, reference: z.string(),
    ...CommissionFields.shape,
  })),
  'payment.succeeded': eventSpec(['payment'], "The gateway (or a matched bank-statement line) confirmed the payment: count the money. `conversion` is present when the customer's billing currency differs from the payment's.", finalPayment('succeeded').extend({
    conversion: ConversionFields.optional(),
  })),
  'payment.failed': eventSpec(['payment'], 'The gateway declined the payment; nothing was captured.', finalPayment('failed')),
  'payment.expired': eventSpec(['payment'], 'No outcome came before the payment\'s deadline; nothing was captured.', finalPayment('expired')),
  'payment.canceled': eventSpec(['payment'], 'The merchant (or the billing system) canceled the pending payment.', PaymentFields.extend({
    status: z.literal('canceled'),
    canceled_by: z.string().openapi({ description: 'Who canceled it (the API key id or "system")' }),
    reason: z.string().nullable(),
    request_id: z.string().nullable(),
  })),
  'payment.late_success': eventSpec(['payment'], 'A gateway captured money for a payment that had already ended (expired, canceled, failed): the money is refunded or kept by the gateway\'s policy.', PaymentFields.extend({
    action: z.enum(['refunded', 'kept']),
    late_success_id: Id,
    late_amount: Minor,
    refund_id: z.string().nullable().openapi({ description: 'The system refund giving it back (action refunded)' }),
    dispute_id: z.string().optional().openapi({ description: 'Present when a dispute holds the money (it is kept)' }),
    late_gateway_transaction_id: z.string().nullable(),
    late_code: z.string().nullable(),
  })),
  'payment.refunded': eventSpec(['payment'], 'A refund of the payment succeeded, or a succeeded one was reversed (refunded_amount fell).', RefundedFields.extend({ payment_id: Id })),
  'charge_attempt.refunded': eventSpec(['charge_attempt'], "A refund of a subscription's charge succeeded, or a succeeded one was reversed.", RefundedFields.extend({
    charge_attempt_id: Id, subscription_id: z.string().nullable(),
  })),
  'payment.disputed': eventSpec(['payment', 'subscription'], "The payer disputed a payment or a subscription's charge (a chargeback opened). On the payment's aggregate, or on the subscription's for a charge attempt.", DisputeFields.extend({
    status: z.literal('open'),
  })),
  'payment.dispute_closed': eventSpec(['payment', 'subscription'], 'A dispute was decided (won or lost); a lost one may stop the subscription it was charged for.', DisputeFields.extend({
    outcome: z.enum(['won', 'lost']),
    subscription_action: z.enum(['stop', 'keep']).nullable().openapi({ description: 'For a lost dispute of a subscription charge: whether the subscription stops' }),
  })),
} as const;
