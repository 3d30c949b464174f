import type { Config } from '../config.js';
import { createSandboxGateway } from './sandbox/gateway.js';
import type { GatewayRegistry, PaymentGateway } from './types.js';

/** The gateways this deployment offers, keyed by name. */
export function buildGateways(config: Config): GatewayRegistry {
  const list: PaymentGateway[] = [
    createSandboxGateway({
      name: 'sandbox',
      mode: 'test',
      webhookSecret: config.SANDBOX_WEBHOOK_SECRET,
      toleranceSeconds: config.CALLBACK_TOLERANCE_SECONDS,
      publicBaseUrl: config.publicBaseUrl,
    }),
  ];
  return new Map(list.map((g) => [g.name, g]));
}
