import { z } from 'zod';

/** The callback body the sandbox sends, in the shape a real card gateway would use. */
export const SandboxCallbackBody = z.object({
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
export type SandboxCallbackBody = z.infer<typeof SandboxCallbackBody>;
