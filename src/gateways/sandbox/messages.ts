import { z } from 'zod';

/** A payment's outcome, as the sandbox's hosted checkout reports it. */
const PaymentCallback = z.object({
  type: z.enum(['payment.succeeded', 'payment.failed']),
  data: z.object({
    payment_id: z.string().min(1).max(100),
    transaction_id: z.string().min(1).max(100),
    code: z.string().max(50).optional(),
    message: z.string().max(500).optional(),
    /** A reusable token for later merchant-initiated charges, when the payer agreed to store the card. */
    card_token: z.string().max(200).optional(),
    card_expires: z.string().regex(/^\d{4}-\d{2}$/).optional(),
  }),
});

/**
 * A dispute (chargeback) the pretend processor raises or decides, for a payment or a
 * subscription's charge attempt (Tollgate's id echoed back, as a real processor echoes metadata).
 * Amounts are integer minor units.
 */
const DisputeFields = z.object({
  dispute_id: z.string().min(1).max(100),
  payment_id: z.string().min(1).max(100).optional(),
  charge_attempt_id: z.string().regex(/^[1-9]\d{0,17}$/).optional(),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reason: z.string().max(200).optional(),
});
const exactlyOneTarget = (d: { payment_id?: string | undefined; charge_attempt_id?: string | undefined }) => (d.payment_id === undefined) !== (d.charge_attempt_id === undefined);
const ONE_TARGET = { message: 'exactly one of payment_id and charge_attempt_id', path: ['payment_id'] };

const DisputeCreated = z.object({ type: z.literal('dispute.created'), data: DisputeFields.refine(exactlyOneTarget, ONE_TARGET) });
const DisputeClosed = z.object({
  type: z.literal('dispute.closed'),
  data: DisputeFields.extend({ status: z.enum(['won', 'lost']) }).refine(exactlyOneTarget, ONE_TARGET),
});

/** The callback body the sandbox sends, in the shape a real card gateway would use. */
export const SandboxCallbackBody = z.discriminatedUnion('type', [PaymentCallback, DisputeCreated, DisputeClosed]);
export type SandboxCallbackBody = z.infer<typeof SandboxCallbackBody>;
export type SandboxDisputeCallback = z.infer<typeof DisputeCreated> | z.infer<typeof DisputeClosed>;
