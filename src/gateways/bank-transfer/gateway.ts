import type { GatewaySettings } from '../settings.js';
import type { CallbackVerdict, PaymentForCheckout, PaymentGateway } from '../types.js';

/**
 * Bank transfer (REMP's bank_transfer): the payer is shown the account and the payment's
 * reference; the payment waits until a bank-statement line with that reference and amount
 * arrives. There is no processor, so no callbacks and no status query.
 */
export function createBankTransferGateway(o: { settings: GatewaySettings; publicBaseUrl: string }): PaymentGateway {
  return {
    name: o.settings.name,
    mode: o.settings.mode,
    settings: o.settings,
    // Refunds exist, but a person pays them back (requires_manual): no gateway refund call.
    capabilities: new Set(),
    startCheckout(payment: PaymentForCheckout) {
      return Promise.resolve({ url: `${o.publicBaseUrl}/bank-transfer/${encodeURIComponent(payment.id)}`, ids: {} });
    },
    takesCallbacks: false,
    verifyCallback(): CallbackVerdict {
      return { ok: false, reason: 'signature', detail: 'bank_transfer takes no callbacks; its payments settle from bank statements' };
    },
  };
}
