import { verifyWebhook } from '../standard-webhooks.js';
import type { Queryable } from '../../db/pool.js';
import type { GatewayMode, GatewaySettings } from '../settings.js';
import { type CallbackMessage, type CallbackVerdict, GatewayModeUnavailableError, type PaymentForCheckout, type RawCallback, type RecurringGateway } from '../types.js';
import { findCheckout } from './checkouts.js';
import { SandboxCallbackBody } from './messages.js';
import { sandboxCharge, sandboxChargeStatus, tokenExpiry } from './recurring.js';
import { sandboxRefund, sandboxRefundStatus } from './refunds.js';

export interface SandboxGatewayOptions {
  /** Where the sandbox keeps its own books (the pretend bank's ledger and checkout verdicts). */
  db: Queryable;
  settings: GatewaySettings;
  toleranceSeconds: number;
  /** Base URL the payer's browser reaches the API at. */
  publicBaseUrl: string;
}

/**
 * The sandbox gateway: a pretend card processor with its own hosted checkout page (served by
 * src/api/sandbox/, its verdicts and callbacks in ./hosted-checkout.ts) that sends signed Standard
 * Webhooks callbacks. Each mode has its own secret, as a real processor's test and production
 * accounts do.
 */
export function createSandboxGateway(o: SandboxGatewayOptions): RecurringGateway {
  const s = o.settings;
  return {
    name: s.name,
    mode: s.mode,
    settings: s,
    capabilities: new Set(['recurring', 'status_query', 'card_expiry', 'disputes', 'refunds', 'partial_refunds']),
    takesCallbacks: true,
    // The sandbox's "credentials" per mode are its secrets: a mode without one has no account.
    hasMode: (mode) => s.secrets[mode] !== undefined,
    async charge(req) {
      if (s.secrets[req.mode] === undefined) throw new GatewayModeUnavailableError(`gateway "${s.name}" has no ${req.mode}-mode secret configured`);
      return sandboxCharge(o.db, req);
    },
    chargeStatus: (key) => sandboxChargeStatus(o.db, key),
    async refund(req) {
      if (s.secrets[req.mode] === undefined) throw new GatewayModeUnavailableError(`gateway "${s.name}" has no ${req.mode}-mode secret configured`);
      return sandboxRefund(o.db, req);
    },
    refundStatus: (key) => sandboxRefundStatus(o.db, key),
    tokenExpiry,
    // The sandbox's hosted page needs no session: its URL is the payment's.
    startCheckout(payment: PaymentForCheckout) {
      return Promise.resolve({ url: `${o.publicBaseUrl}/sandbox/checkout/${encodeURIComponent(payment.id)}`, ids: {} });
    },
    verifyCallback(raw: RawCallback, json: unknown, nowSeconds: number): CallbackVerdict {
      let signedMode: GatewayMode | undefined;
      let problem = 'no secret is configured';
      for (const mode of ['test', 'live'] as const) {
        const secret = s.secrets[mode];
        if (!secret) continue;
        const p = verifyWebhook(secret, raw.headers, raw.body, nowSeconds, o.toleranceSeconds);
        if (!p) {
          signedMode = mode;
          break;
        }
        problem = p;
      }
      if (!signedMode) return { ok: false, reason: 'signature', detail: problem };
      const parsed = SandboxCallbackBody.safeParse(json);
      if (!parsed.success) {
        return {
          ok: false,
          reason: 'schema',
          detail: 'callback body does not match the sandbox schema',
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        };
      }
      return { ok: true, signedMode, message: messageOf(parsed.data, raw.headers['webhook-id'] ?? '') };
    },
    async paymentStatus(payment) {
      const row = await findCheckout(o.db, payment.id);
      if (!row) return undefined;
      return { status: row.outcome, gatewayTransactionId: row.transaction_id, code: row.code, message: row.message };
    },
  };
}

/** What a verified sandbox callback tells, as Tollgate's kinds of message. */
function messageOf(body: SandboxCallbackBody, eventId: string): CallbackMessage {
  if (body.type === 'dispute.created' || body.type === 'dispute.closed') {
    const d = body.data;
    return {
      kind: 'dispute',
      eventId,
      target: d.payment_id !== undefined ? { paymentId: d.payment_id } : { chargeAttemptId: d.charge_attempt_id ?? '' },
      dispute: {
        gatewayDisputeId: d.dispute_id,
        status: body.type === 'dispute.closed' ? body.data.status : 'open',
        amountMinor: BigInt(d.amount),
        currency: d.currency,
        reason: d.reason,
      },
    };
  }
  const { type, data } = body;
  return {
    kind: 'payment',
    eventId,
    paymentId: data.payment_id,
    outcome: {
      status: type === 'payment.succeeded' ? 'succeeded' : 'failed',
      gatewayTransactionId: data.transaction_id,
      code: data.code,
      message: data.message,
      paymentMethodToken: data.card_token,
      paymentMethodExpires: data.card_expires,
    },
  };
}
