import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { createAssistClient } from './assist/client.js';
import { createAssistGateway } from './assist/gateway.js';
import { createBankTransferGateway } from './bank-transfer/gateway.js';
import { createSandboxGateway } from './sandbox/gateway.js';
import { createStripeGateway } from './stripe/gateway.js';
import { createUnitellerGateway } from './uniteller/gateway.js';
import type { GatewaySettings } from './settings.js';
import type { GatewayRegistry, PaymentGateway } from './types.js';

/** How long a call to Assist's web services may take before its outcome counts as unknown. */
const ASSIST_TIMEOUT_MS = 20_000;

/** The gateways this deployment offers, keyed by name, from the gateways file. */
export function buildGateways(config: Config, deps: { db: Queryable }): GatewayRegistry {
  return new Map(config.gateways.map((s) => [s.name, buildGateway(s, config, deps)]));
}

function buildGateway(settings: GatewaySettings, config: Config, deps: { db: Queryable }): PaymentGateway {
  switch (settings.adapter) {
    case 'sandbox':
      return createSandboxGateway({
        db: deps.db,
        settings,
        toleranceSeconds: config.CALLBACK_TOLERANCE_SECONDS,
        publicBaseUrl: config.publicBaseUrl,
      });
    case 'bank_transfer':
      return createBankTransferGateway({ settings, publicBaseUrl: config.publicBaseUrl });
    case 'stripe':
      return createStripeGateway({ settings, db: deps.db, toleranceSeconds: config.CALLBACK_TOLERANCE_SECONDS });
    case 'uniteller':
      return createUnitellerGateway({ settings, db: deps.db });
    case 'assist':
      return createAssistGateway({
        settings,
        client: createAssistClient({ allow: config.OUTBOUND_ALLOWED_HOSTS, timeoutMs: ASSIST_TIMEOUT_MS, maxResponseBytes: config.OUTBOUND_MAX_RESPONSE_BYTES }),
        db: deps.db,
        now: () => new Date(),
      });
  }
}

/** Whether a gateway takes this amount (its min/max and currency list) for a new payment. */
export function gatewayAccepts(g: PaymentGateway, amountMinor: bigint, currency: string): boolean {
  const s = g.settings;
  return s.enabled && amountMinor >= s.minAmount && amountMinor <= s.maxAmount && (s.currencies === null || s.currencies.includes(currency));
}

/** The expiry a stored token implies, when its gateway's tokens carry one (PaymentGateway.tokenExpiry). */
export function tokenExpiryOf(gateways: GatewayRegistry, gatewayName: string, token: string): string | undefined {
  return gateways.get(gatewayName)?.tokenExpiry?.(token);
}
