import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import { webhookHeaders } from '../standard-webhooks.js';
import { recordCheckout, type SandboxCheckoutRow } from './checkouts.js';
import { SANDBOX_RESPONSE_CODES } from './codes.js';
import type { SandboxCallbackBody } from './messages.js';

/** What a payer can answer on the sandbox's hosted checkout (the page itself is src/api/sandbox/). */
export const SANDBOX_VERDICTS = ['approve', 'decline', 'approve-silently'] as const;
export type SandboxVerdict = (typeof SANDBOX_VERDICTS)[number];

/** The pretend processor books the payer's verdict once; a second click returns the first. */
export function recordVerdict(db: Queryable, paymentId: string, verdict: SandboxVerdict): Promise<SandboxCheckoutRow> {
  const approved = verdict !== 'decline';
  return recordCheckout(db, {
    payment_id: paymentId,
    outcome: approved ? 'succeeded' : 'failed',
    code: approved ? '00' : '05',
    message: SANDBOX_RESPONSE_CODES[approved ? '00' : '05'].message,
    transaction_id: `sbx_txn_${randomUUID()}`,
    callback_sent: verdict !== 'approve-silently',
  });
}

/**
 * The callback the pretend processor posts after a verdict, signed with the secret of the mode the
 * payment started in (a processor's test and live accounts are different accounts).
 */
export function signedCallback(secret: string, booked: SandboxCheckoutRow, nowSeconds: number): { body: string; headers: Record<string, string> } {
  const body: SandboxCallbackBody = {
    type: booked.outcome === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
    data: {
      payment_id: booked.payment_id,
      transaction_id: booked.transaction_id,
      code: booked.code,
      message: booked.message,
      ...(booked.outcome === 'succeeded' ? { card_token: 'sandbox_approve' } : {}),
    },
  };
  const text = JSON.stringify(body);
  return { body: text, headers: { 'content-type': 'application/json', ...webhookHeaders(secret, `msg_${randomUUID()}`, nowSeconds, text) } };
}
