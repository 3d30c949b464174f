import Stripe from 'stripe';
import type { GatewayMode, GatewaySettings } from '../settings.js';
import { GatewayModeUnavailableError, GatewayTimeoutError } from '../types.js';

/** How long one Stripe call may take before its outcome counts as unknown (resolved by asking). */
export const STRIPE_TIMEOUT_MS = 20_000;

/** One client per mode whose key is configured: a payment always talks to the account of its own mode. */
export type StripeClients = Partial<Record<GatewayMode, Stripe>>;

export function createStripeClients(settings: GatewaySettings): StripeClients {
  const s = settings.stripe;
  if (!s) throw new Error(`gateway "${settings.name}" has no stripe settings`);
  const base = s.apiBase === null ? undefined : new URL(s.apiBase);
  const clients: StripeClients = {};
  for (const mode of ['test', 'live'] as const) {
    const key = s.apiKeys[mode];
    if (!key) continue;
    clients[mode] = new Stripe(key, {
      // Temporal retries activities, and every retry carries the same Idempotency-Key: a second
      // layer of retries here would only hide how long a call really took.
      maxNetworkRetries: 0,
      timeout: STRIPE_TIMEOUT_MS,
      telemetry: false,
      ...(base && {
        host: base.hostname,
        port: base.port || (base.protocol === 'https:' ? 443 : 80),
        protocol: base.protocol === 'https:' ? 'https' : 'http',
      }),
    });
  }
  return clients;
}

export function clientFor(clients: StripeClients, settings: GatewaySettings, mode: GatewayMode): Stripe {
  const client = clients[mode];
  if (!client) throw new GatewayModeUnavailableError(`gateway "${settings.name}" has no ${mode}-mode Stripe API key configured`);
  return client;
}

/**
 * Stripe's answers whose outcome is unknown (https://docs.stripe.com/error-low-level#idempotency):
 * no answer at all, a 5xx (StripeAPIError: "the request may have been processed"), or a key already
 * in use by a request still running or by other parameters. They become GatewayTimeoutError,
 * which callers resolve by asking with the same key, never by sending a new one.
 */
export function isUnknownOutcome(err: unknown): boolean {
  return (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeIdempotencyError ||
    (err instanceof Stripe.errors.StripeError && err.statusCode !== undefined && err.statusCode >= 500)
  );
}

/** Runs one Stripe call; an unknown outcome is thrown as GatewayTimeoutError, any other error as it came. */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUnknownOutcome(err)) throw new GatewayTimeoutError(`stripe: ${what}: ${(err as Error).message}`);
    throw err;
  }
}
