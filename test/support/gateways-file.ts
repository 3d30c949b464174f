import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a gateways file for one test stack and returns its path (TOLLGATE_GATEWAYS_FILE); `extra`: other top-level blocks (portal). */
export function writeGatewaysFile(gateways: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-gw-')), 'gateways.json');
  writeFileSync(path, JSON.stringify({ gateways, ...extra }, null, 2));
  return path;
}

export const TEST_SECRET = 'whsec_dGVzdC1tb2RlLXNlY3JldC1mb3ItdGVzdHM=';
export const LIVE_SECRET = 'whsec_bGl2ZS1tb2RlLXNlY3JldC1mb3ItdGVzdHM=';

/** The environment the test gateways read their secrets from. */
export const gatewayEnv = { LIVE_GW_SECRET: LIVE_SECRET };

export const sandboxEntry = (over: Record<string, unknown> = {}) => ({
  name: 'sandbox',
  adapter: 'sandbox',
  mode: 'test',
  // A live secret only ever comes from the environment: the stack passes LIVE_GW_SECRET (gatewayEnv).
  secrets: { test: { env: 'TEST_GW_SECRET', default: TEST_SECRET }, live: { env: 'LIVE_GW_SECRET' } },
  recurring: { enabled: true },
  ...over,
});

/** Stripe's test-mode key shape; stripe-mock takes any sk_test_ key. */
export const STRIPE_TEST_KEY = 'sk_test_tollgateStripeMock';
export const STRIPE_LIVE_KEY = 'sk_live_tollgateNotARealKey';

/** A stripe gateway in test mode, its keys and webhook secrets by environment reference (defaults for test). */
export const stripeEntry = (over: Record<string, unknown> = {}) => ({
  name: 'stripe',
  adapter: 'stripe',
  mode: 'test',
  secrets: { test: { env: 'STRIPE_TEST_WEBHOOK_SECRET', default: TEST_SECRET }, live: { env: 'STRIPE_LIVE_WEBHOOK_SECRET' } },
  api_keys: { test: { env: 'STRIPE_TEST_API_KEY', default: STRIPE_TEST_KEY }, live: { env: 'STRIPE_LIVE_API_KEY' } },
  recurring: { enabled: true },
  ...over,
});

/** The uniteller gateway's test-mode signing and results passwords (development defaults); live ones come from the environment. */
export const UNITELLER_TEST_PASSWORD = 'uniteller-test-signing-password';
export const UNITELLER_TEST_API_PASSWORD = 'uniteller-test-results-password';
export const UNITELLER_LIVE_PASSWORD = 'uniteller-live-signing-password';
export const UNITELLER_LIVE_API_PASSWORD = 'uniteller-live-results-password';
export const unitellerEnv = { UNITELLER_LIVE_PASSWORD, UNITELLER_LIVE_API_PASSWORD };

/** A uniteller gateway in test mode with a test and a live shop, pointed at `base` (a simulator) for both. */
export const unitellerEntry = (base: string | undefined, over: Record<string, unknown> = {}) => ({
  name: 'uniteller',
  adapter: 'uniteller',
  mode: 'test',
  currencies: ['RUB'],
  secrets: { test: { env: 'UNITELLER_TEST_PASSWORD', default: UNITELLER_TEST_PASSWORD }, live: { env: 'UNITELLER_LIVE_PASSWORD' } },
  recurring: { enabled: true },
  uniteller: {
    shop_idp: { test: '00012345', live: '00067890' },
    login: { test: 'test-login', live: 'live-login' },
    api_passwords: { test: { env: 'UNITELLER_TEST_API_PASSWORD', default: UNITELLER_TEST_API_PASSWORD }, live: { env: 'UNITELLER_LIVE_API_PASSWORD' } },
    ...(base ? { endpoints: { test: base, live: base } } : {}),
  },
  ...over,
});
