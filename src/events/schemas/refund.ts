import { z } from '@hono/zod-openapi';
import { REFUND_STATUSES } from '../../domain/refund.js';
import { SETTLED_REASONS } from '../../domain/statement-matching.js';
import { Currency, eventSpec, Id, Iso, Minor, Mode } from './common.js';
import { ConversionFields } from './conversion.js';

/** What every refund event carries (src/db/refunds.ts refundEventPayload). */
export const RefundFields = z.object({
  refund_id: Id,
  payment_id: z.string().nullable(),
  charge_attempt_id: z.string().nullable(),
  customer_id: Id,
  status: z.enum(REFUND_STATUSES),
  amount: Minor,
  currency: Currency,
  gateway: z.string(),
  mode: Mode,
  reason: z.string(),
  requested_by: z.string(),
  gateway_refund_id: z.string().nullable(),
  gateway_code: z.string().nullable(),
  late_success_id: z.string().nullable().openapi({ description: "Set for the system refund of a late success (no payment.refunded follows it)" }),
});
export type RefundFields = z.infer<typeof RefundFields>;

/** What every temporary payment event carries (src/activities/temporary-payments.ts). */
export const TemporaryPaymentFields = z.object({
  temporary_payment_id: Id,
  payment_id: Id,
  customer_id: Id,
  amount: Minor,
  currency: Currency,
  reference: z.string(),
  status: z.enum(['open', 'settled']),
  settled_reason: z.enum(SETTLED_REASONS).nullable(),
  expires_at: Iso.nullable(),
  bank_line_id: z.string().nullable(),
  /** Its payment's conversion into the billing currency, when it has one (see payment.succeeded). */
  conversion: ConversionFields.optional(),
});
export type TemporaryPaymentFields = z.infer<typeof TemporaryPaymentFields>;

export const REFUND_EVENTS = {
  'refund.created': eventSpec(['refund'], 'A refund was asked for (API, or the system for a late success); its amount is held from the payment at once.', RefundFields),
  'refund.succeeded': eventSpec(['refund'], 'The gateway refunded the money (or a person confirmed a manual refund).', RefundFields.extend({ status: z.literal('succeeded') })),
  'refund.failed': eventSpec(['refund'], 'The refund failed, or (reversed: true) a refund that had succeeded was reported failed later; its amount is refundable again.', RefundFields.extend({
    status: z.literal('failed'),
    reversed: z.literal(true).optional().openapi({ description: 'Present when a succeeded refund was reversed' }),
  })),
} as const;

export const TEMPORARY_PAYMENT_EVENTS = {
  'temporary_payment.created': eventSpec(['temporary_payment'], "A gateway's payment counts now while its money reaches the bank later: lift the customer's cut-off.", TemporaryPaymentFields),
  'temporary_payment.settled': eventSpec(['temporary_payment'], 'The temporary payment was settled: by a bank-statement line, by its expiry, or by hand.', TemporaryPaymentFields),
  'temporary_payment.bank_confirmed': eventSpec(['temporary_payment'], 'A bank-statement line confirmed a temporary payment already settled by hand or by expiry.', TemporaryPaymentFields),
  'temporary_payment.unsettled': eventSpec(['temporary_payment'], 'A manual settlement was reversed: the temporary payment is open again.', TemporaryPaymentFields),
} as const;
