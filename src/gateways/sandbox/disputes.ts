import { randomUUID } from 'node:crypto';
import { webhookHeaders } from '../standard-webhooks.js';
import type { SandboxDisputeCallback } from './messages.js';

/** What the pretend processor disputes: a payment of its checkout, or a subscription's charge. */
export type SandboxDisputeTarget =
  | { paymentId: string; amountMinor: bigint; currency: string }
  | { chargeAttemptId: string; amountMinor: bigint; currency: string };

/**
 * The callbacks of one dispute, in the order a processor sends them: it is raised (created), and,
 * when an outcome is given, decided (closed, won or lost). The sandbox disputes a payment or a
 * charge at most once, so the dispute's id follows from what it disputes: a second call closes
 * the same dispute (its `created` again is a repeat Tollgate takes once).
 */
export function sandboxDisputeCallbacks(target: SandboxDisputeTarget, outcome: 'won' | 'lost' | undefined, reason: string): SandboxDisputeCallback[] {
  const data = {
    dispute_id: 'paymentId' in target ? `sbx_dp_${target.paymentId}` : `sbx_dp_ca_${target.chargeAttemptId}`,
    ...('paymentId' in target ? { payment_id: target.paymentId } : { charge_attempt_id: target.chargeAttemptId }),
    amount: Number(target.amountMinor),
    currency: target.currency,
    reason,
  };
  const created: SandboxDisputeCallback = { type: 'dispute.created', data };
  return outcome ? [created, { type: 'dispute.closed', data: { ...data, status: outcome } }] : [created];
}

/** One callback signed as the sandbox signs every one (Standard Webhooks), with the secret of the money's mode. */
export function signedDisputeCallback(secret: string, body: SandboxDisputeCallback, nowSeconds: number): { body: string; headers: Record<string, string> } {
  const text = JSON.stringify(body);
  return { body: text, headers: { 'content-type': 'application/json', ...webhookHeaders(secret, `msg_${randomUUID()}`, nowSeconds, text) } };
}
