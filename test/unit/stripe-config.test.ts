import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { ConfigError, DEV_STRIPE_MOCK_WEBHOOK_SECRET, loadConfig } from '../../src/config.js';
import { localStripeMockPorts } from '../../src/cli/stack/stripe-mock.js';
import { buildGateways } from '../../src/gateways/registry.js';
import { LIVE_SECRET, STRIPE_LIVE_KEY, STRIPE_TEST_KEY, stripeEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';

const configWith = (gateways: Array<Record<string, unknown>>, env: Record<string, string> = {}) => loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways), ...env });
const noDb = { query: () => Promise.reject(new Error('no database in this test')) } as never;

describe('a stripe gateway in the gateways file', () => {
  it('loads its keys and webhook secrets per mode from the environment, and its api_base', () => {
    const [g] = configWith([stripeEntry({ api_base: 'http://127.0.0.1:12111' })], { STRIPE_LIVE_API_KEY: STRIPE_LIVE_KEY, STRIPE_LIVE_WEBHOOK_SECRET: LIVE_SECRET }).gateways;
    assert.deepEqual(g?.stripe, { apiKeys: { test: STRIPE_TEST_KEY, live: STRIPE_LIVE_KEY }, apiKeySources: { test: 'default', live: 'env' }, apiBase: 'http://127.0.0.1:12111' });
    assert.deepEqual(g?.secrets, { test: TEST_SECRET, live: LIVE_SECRET });
    const gateway = buildGateways(configWith([stripeEntry()]), { db: noDb }).get('stripe');
    assert.deepEqual([...(gateway?.capabilities ?? [])].sort(), ['cancel_checkout', 'disputes', 'partial_refunds', 'recurring', 'refunds', 'status_query']);
  });

  it('refuses, in one sentence each, a key of the other mode, a key that is no Stripe key, a mode without its key, a live default, and keys on another adapter', () => {
    const cases: Array<[Array<Record<string, unknown>>, Record<string, string>, RegExp]> = [
      [[stripeEntry()], { STRIPE_TEST_API_KEY: STRIPE_LIVE_KEY }, /gateway "stripe"'s test API key \(STRIPE_TEST_API_KEY\) is a live-mode key; a test slot takes only sk_test_… or rk_test_… keys/],
      [[stripeEntry({ mode: 'live' })], { STRIPE_LIVE_API_KEY: STRIPE_TEST_KEY, STRIPE_LIVE_WEBHOOK_SECRET: LIVE_SECRET }, /live API key \(STRIPE_LIVE_API_KEY\) is a test-mode key/],
      [[stripeEntry()], { STRIPE_TEST_API_KEY: 'pk_test_publishable' }, /is not a Stripe secret key/],
      [[stripeEntry({ mode: 'live' })], { STRIPE_LIVE_WEBHOOK_SECRET: LIVE_SECRET }, /runs in live mode but STRIPE_LIVE_API_KEY \(its API key\) is not set/],
      [[stripeEntry({ mode: 'live' })], { STRIPE_LIVE_API_KEY: STRIPE_LIVE_KEY }, /runs in live mode but STRIPE_LIVE_WEBHOOK_SECRET is not set/],
      [[stripeEntry({ api_keys: { test: { env: 'A' }, live: { env: 'B', default: STRIPE_LIVE_KEY } } })], {}, /api_keys\.live: Unrecognized key/],
      [[stripeEntry({ api_keys: undefined })], {}, /api_keys: a stripe gateway needs api_keys/],
      [[{ name: 'sandbox', adapter: 'sandbox', secrets: { test: { env: 'X', default: TEST_SECRET } }, api_base: 'http://127.0.0.1:1' }], {}, /api_keys and api_base are for the stripe adapter only/],
      [[stripeEntry({ api_base: 'ftp://127.0.0.1:1' })], {}, /api_base: an http\(s\) URL/],
    ];
    for (const [gateways, env, reason] of cases) {
      assert.throws(() => configWith(gateways, env), (err: Error) => err instanceof ConfigError && reason.test(err.message) && !err.message.includes('\n'), String(reason));
    }
  });

  it('is refused in production while it points at a stripe-mock or falls back to a development key', () => {
    const production = {
      TOLLGATE_ENV: 'production',
      DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@db:5432/tollgate',
      AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
      STRIPE_LIVE_API_KEY: STRIPE_LIVE_KEY,
      STRIPE_LIVE_WEBHOOK_SECRET: LIVE_SECRET,
    };
    const live = stripeEntry({ mode: 'live', secrets: { live: { env: 'STRIPE_LIVE_WEBHOOK_SECRET' } }, api_keys: { live: { env: 'STRIPE_LIVE_API_KEY' } } });
    assert.doesNotThrow(() => configWith([live], production));
    assert.throws(() => configWith([{ ...live, api_base: 'http://127.0.0.1:12111' }], production), /gateway "stripe" sends its Stripe calls to http:\/\/127\.0\.0\.1:12111 instead of Stripe \(remove api_base\)/);
    assert.throws(() => configWith([stripeEntry({ secrets: { test: { env: 'OWN', default: TEST_SECRET } } })], { ...production, OWN: LIVE_SECRET }), /gateway "stripe"'s test API key is a development default/);
    assert.throws(() => configWith([live], { ...production, STRIPE_LIVE_WEBHOOK_SECRET: DEV_STRIPE_MOCK_WEBHOOK_SECRET }), /gateway "stripe"'s live secret is a published development default/);
  });

  it('tells npm start which stripe-mocks to run: one per loopback api_base, none for Stripe itself or another host', () => {
    const config = configWith([
      stripeEntry({ name: 'a', api_base: 'http://127.0.0.1:12111' }),
      stripeEntry({ name: 'b', api_base: 'http://localhost:12111' }),
      stripeEntry({ name: 'c', api_base: 'http://127.0.0.1:12200' }),
      stripeEntry({ name: 'd', api_base: 'http://stripe-mock.internal:12111' }),
      stripeEntry({ name: 'e' }),
    ]);
    assert.deepEqual(localStripeMockPorts(config.gateways), [{ port: 12111, gateway: 'a' }, { port: 12200, gateway: 'c' }]);
  });

  it('ships config/gateways.stripe-mock.yaml: the development gateways plus a test-mode stripe at a local stripe-mock', () => {
    const file = join(projectRoot(), 'config', 'gateways.stripe-mock.yaml');
    const read = (name: string) => parseYaml(readFileSync(join(projectRoot(), 'config', name), 'utf8')) as { gateways: Array<{ name: string }> };
    const withStripe = read('gateways.stripe-mock.yaml').gateways;
    assert.deepEqual(withStripe.slice(0, -1), read('gateways.yaml').gateways, 'the other entries are the development file’s');
    const config = loadConfig({ TOLLGATE_GATEWAYS_FILE: file });
    const stripe = config.gateways.find((g) => g.adapter === 'stripe');
    assert.equal(stripe?.mode, 'test');
    assert.equal(stripe?.stripe?.apiBase, 'http://127.0.0.1:12111');
    assert.deepEqual(localStripeMockPorts(config.gateways), [{ port: 12111, gateway: 'stripe' }]);
    assert.throws(() => loadConfig({ TOLLGATE_ENV: 'production', TOLLGATE_GATEWAYS_FILE: file }), /gateway "stripe" sends its Stripe calls to http:\/\/127\.0\.0\.1:12111/);
    assert.equal(stripe?.secrets.test, DEV_STRIPE_MOCK_WEBHOOK_SECRET, 'the published secret is the one production refuses');
  });
});
