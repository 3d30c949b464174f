import type { PaymentStatus } from '../domain/payment.js';

/** What a payer is told about a payment on every result page (pay link, sandbox checkout). */
export const PAYMENT_RESULT_TEXT = {
  pending: ['Payment processing', 'We are still waiting for the confirmation. This page refreshes by itself.'],
  succeeded: ['Payment successful', 'Thank you — your payment was received.'],
  failed: ['Payment failed', 'The payment did not go through. No money was taken.'],
  expired: ['Payment expired', 'This payment was not completed in time.'],
  canceled: ['Payment canceled', 'This payment was canceled.'],
} as const satisfies Record<PaymentStatus, readonly [string, string]>;
