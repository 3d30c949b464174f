import { verifyWebhook } from '../standard-webhooks.js';
import type { Queryable } from '../../db/pool.js';
import type { CallbackVerdict, PaymentForCheckout, RawCallback, RecurringGateway } from '../types.js';
import { SandboxCallbackBody } from './messages.js';
import { sandboxCharge, sandboxChargeStatus } from './recurring.js';

export interface SandboxGatewayOptions {
  /** Where the sandbox keeps its own ledger (the pretend bank's books). */
  db: Queryable;
  name: string;
  mode: 'test' | 'live';
  webhookSecret: string;
  toleranceSeconds: number;
  /** Base URL the payer's browser reaches the API at. */
  publicBaseUrl: string;
}

/**
 * The sandbox gateway: a pretend card processor with its own hosted checkout page
 * (src/gateways/sandbox/routes.ts) that sends signed Standard Webhooks callbacks.
 */
export function createSandboxGateway(o: SandboxGatewayOptions): RecurringGateway {
  return {
    name: o.name,
    mode: o.mode,
    charge: (req) => sandboxCharge(o.db, req),
    chargeStatus: (key) => sandboxChargeStatus(o.db, key),
    checkoutUrl(payment: PaymentForCheckout): string {
      return `${o.publicBaseUrl}/sandbox/checkout/${encodeURIComponent(payment.id)}`;
    },
    verifyCallback(raw: RawCallback, json: unknown, nowSeconds: number): CallbackVerdict {
      const problem = verifyWebhook(o.webhookSecret, raw.headers, raw.body, nowSeconds, o.toleranceSeconds);
      if (problem) return { ok: false, reason: 'signature', detail: problem };
      const parsed = SandboxCallbackBody.safeParse(json);
      if (!parsed.success) {
        return {
          ok: false,
          reason: 'schema',
          detail: 'callback body does not match the sandbox schema',
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        };
      }
      const { type, data } = parsed.data;
      return {
        ok: true,
        message: {
          eventId: raw.headers['webhook-id'] ?? '',
          paymentId: data.payment_id,
          outcome: {
            status: type === 'payment.succeeded' ? 'succeeded' : 'failed',
            gatewayTransactionId: data.transaction_id,
            code: data.code,
            message: data.message,
            paymentMethodToken: data.card_token,
            paymentMethodExpires: data.card_expires,
          },
        },
      };
    },
  };
}
