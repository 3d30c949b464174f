import { z } from 'zod';

/** The callback body the sandbox sends, in the shape a real card gateway would use. */
export const SandboxCallbackBody = z.object({
  type: z.enum(['payment.succeeded', 'payment.failed']),
  data: z.object({
    payment_id: z.string().min(1).max(100),
    transaction_id: z.string().min(1).max(100),
    code: z.string().max(50).optional(),
    message: z.string().max(500).optional(),
  }),
});
export type SandboxCallbackBody = z.infer<typeof SandboxCallbackBody>;
