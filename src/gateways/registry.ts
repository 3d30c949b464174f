import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { createSandboxGateway } from './sandbox/gateway.js';
import type { GatewayRegistry, PaymentGateway } from './types.js';

/** The gateways this deployment offers, keyed by name. */
export function buildGateways(config: Config, deps: { db: Queryable }): GatewayRegistry {
  const list: PaymentGateway[] = [
    createSandboxGateway({
      db: deps.db,
      name: 'sandbox',
      mode: 'test',
      webhookSecret: config.SANDBOX_WEBHOOK_SECRET,
      toleranceSeconds: config.CALLBACK_TOLERANCE_SECONDS,
      publicBaseUrl: config.publicBaseUrl,
    }),
  ];
  return new Map(list.map((g) => [g.name, g]));
}
