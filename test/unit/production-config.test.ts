import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertProductionSafe, type Config, ConfigError, DEV_SANDBOX_SECRET, loadConfig } from '../../src/config.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { interpolateDefaults, readComposeFile } from '../support/compose-file.js';
import { sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';

/**
 * TOLLGATE_ENV=production refuses, in one sentence, whatever would let a stranger mark a payment
 * paid or read the ledger: the sandbox adapter, published development secrets, a short admin key.
 */
const OWN_IBAN = 'DE89370400440532013000';
const liveTransfer = (over: Record<string, unknown> = {}) => ({
  name: 'bank_transfer',
  adapter: 'bank_transfer',
  mode: 'live',
  account: { iban: OWN_IBAN, holder: 'Example ISP GmbH' },
  ...over,
});
/** Everything a production deployment must set, set well. */
const safeProduction = (over: Record<string, string> = {}): Record<string, string> => ({
  TOLLGATE_ENV: 'production',
  TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([liveTransfer()]),
  DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@db:5432/tollgate',
  AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
  TOLLGATE_ADMIN_API_KEY: 'k'.repeat(32),
  ...over,
});

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('loadConfig accepted a configuration production must refuse');
}

function assertOneSentence(text: string): void {
  assert.equal(text.split('\n').length, 1, text);
  assert.match(text, /^Refusing to start with TOLLGATE_ENV=production: [^.]*(\.[^ ][^.]*)*\.$/, text);
}

describe('TOLLGATE_ENV=production', () => {
  it('accepts a configuration without sandboxes or development secrets', () => {
    const config = loadConfig(safeProduction());
    assert.equal(config.TOLLGATE_ENV, 'production');
    assert.deepEqual(config.gateways.map((g) => g.name), ['bank_transfer']);
    assert.doesNotThrow(() => loadConfig(safeProduction({ TOLLGATE_ADMIN_API_KEY: '' })), 'no admin key at all is fine: keys are minted with the CLI');
  });

  it('refuses secrets that sign nothing (empty or short keys) or another published default, a dressed-up demo IBAN, and default passwords however given', () => {
    for (const weak of ['x', 'whsec_', 'whsec_!!!!', 'whsec_AAAA']) {
      assert.match(refusal(safeProduction({ AMOUNT_HOOK_SECRET: weak })), /AMOUNT_HOOK_SECRET is not a whsec_ key of at least 24 random bytes/);
    }
    assert.match(refusal(safeProduction({ AMOUNT_HOOK_SECRET: DEV_SANDBOX_SECRET })), /AMOUNT_HOOK_SECRET is a published development default/);
    const gw = writeGatewaysFile([liveTransfer({ account: { iban: 'pl61-1090-1014-0000-0712-1981-2874', holder: 'X' } })]);
    assert.match(refusal(safeProduction({ TOLLGATE_GATEWAYS_FILE: gw })), /demo account/);
    assert.match(refusal(safeProduction({ DATABASE_URL: 'postgres://tollgate@db:5432/tollgate?password=tollgate' })), /password in DATABASE_URL is the development default/);
    assert.match(refusal(safeProduction({ DATABASE_URL: 'postgres://tollgate@db:5432/tollgate', PGPASSWORD: 'tollgate' })), /password in PGPASSWORD is the development default/);
  });

  it('listens on 127.0.0.1 in development (the sandbox Approve button needs no key) and on every interface in production', () => {
    assert.equal(loadConfig({}).HOST, '127.0.0.1');
    assert.equal(loadConfig(safeProduction()).HOST, '0.0.0.0');
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).HOST, '0.0.0.0');
  });

  it('defaults to development, where the shipped sandboxes and development secrets are fine', () => {
    const config = loadConfig({});
    assert.equal(config.TOLLGATE_ENV, 'development');
    assert.ok(config.gateways.some((g) => g.adapter === 'sandbox'));
    assert.throws(() => loadConfig({ TOLLGATE_ENV: 'staging' }), /TOLLGATE_ENV/);
  });

  it('refuses the project gateways file as a default: it is the development one', () => {
    const text = refusal(safeProduction({ TOLLGATE_GATEWAYS_FILE: '' }));
    assertOneSentence(text);
    assert.match(text, /TOLLGATE_GATEWAYS_FILE is not set/);
  });

  it('refuses each development default with one sentence naming it', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ TOLLGATE_GATEWAYS_FILE: join(projectRoot(), 'config', 'gateways.yaml') }, /gateway "sandbox" uses the sandbox adapter.*gateway "sandbox_deferred" uses the sandbox adapter/],
      [{ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([sandboxEntry({ secrets: { test: { env: 'OWN_TEST' }, live: { env: 'OWN_LIVE' } } })]), OWN_TEST: 'whsec_b3duLXRlc3Q=' }, /gateway "sandbox" uses the sandbox adapter/],
      // a gateway that falls back to the file's development default, or reads the sandbox's public secret
      [{ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([sandboxEntry()]) }, /gateway "sandbox"'s test secret is a development default/],
      [{ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([liveTransfer(), sandboxEntry({ name: 'card', adapter: 'sandbox', secrets: { test: { env: 'SANDBOX_WEBHOOK_SECRET' } } })]) }, /gateway "card"'s test secret is a published development default/],
      [{ AMOUNT_HOOK_SECRET: '' }, /AMOUNT_HOOK_SECRET is unset or the development default/],
      [{ AMOUNT_HOOK_SECRET: 'whsec_dG9sbGdhdGUtYW1vdW50LWhvb2stZGV2LXNlY3JldA==' }, /AMOUNT_HOOK_SECRET is unset or the development default/],
      [{ DATABASE_URL: 'postgres://tollgate:tollgate@postgres:5432/tollgate' }, /password in DATABASE_URL is the development default "tollgate"/],
      [{ TOLLGATE_ADMIN_API_KEY: 'choose-a-long-random-key' }, /TOLLGATE_ADMIN_API_KEY has 24 characters, fewer than 32/],
      [{ TOLLGATE_ADMIN_API_KEY: 'k'.repeat(31) }, /fewer than 32/],
      [{ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([liveTransfer({ account: { iban: 'PL61109010140000071219812874', holder: 'X' } })]) }, /demo account/],
    ];
    for (const [over, reason] of cases) {
      const text = refusal(safeProduction(over));
      assertOneSentence(text);
      assert.match(text, reason);
    }
  });

  it('names every problem at once, still in one sentence', () => {
    const text = refusal(safeProduction({ AMOUNT_HOOK_SECRET: '', TOLLGATE_ADMIN_API_KEY: 'short', DATABASE_URL: 'postgres://tollgate:tollgate@db/t' }));
    assertOneSentence(text);
    assert.match(text, /AMOUNT_HOOK_SECRET.*DATABASE_URL.*TOLLGATE_ADMIN_API_KEY/);
  });

  it('assertProductionSafe checks a parsed configuration, and leaves development alone', () => {
    const dev = loadConfig({});
    assert.doesNotThrow(() => assertProductionSafe(dev));
    const asProduction: Config = { ...dev, TOLLGATE_ENV: 'production' };
    assert.throws(() => assertProductionSafe(asProduction), (err: Error) => err instanceof ConfigError && /sandbox adapter/.test(err.message) && /AMOUNT_HOOK_SECRET/.test(err.message));
  });
});

describe('the image and docker-compose', () => {
  const compose = readComposeFile();
  const dockerfile = readFileSync(join(projectRoot(), 'Dockerfile'), 'utf8');

  it('run Tollgate as production, without the development gateways file', () => {
    assert.match(dockerfile, /ENV [^\n]*TOLLGATE_ENV=production/);
    assert.doesNotMatch(dockerfile, /COPY config \.\/config/, 'the whole config folder would carry config/gateways.yaml');
    const copies = dockerfile.split('\n').filter((l) => l.startsWith('COPY'));
    assert.ok(!copies.some((l) => /config\/gateways\.yaml/.test(l)), copies.join('\n'));
    for (const name of ['migrate', 'api', 'worker']) {
      const env = compose.services[name]?.environment ?? {};
      assert.equal(env.TOLLGATE_ENV, 'production', name);
      assert.equal(env.SANDBOX_WEBHOOK_SECRET, undefined, `${name} carries no sandbox secret`);
      assert.ok(compose.services[name]?.volumes?.some((v) => v.endsWith(`:${env.TOLLGATE_GATEWAYS_FILE}:ro`)), `${name} mounts its gateways file`);
    }
  });

  it('publish the Temporal frontend and UI on 127.0.0.1 only', () => {
    for (const name of ['temporal', 'temporal-ui']) {
      const ports = compose.services[name]?.ports ?? [];
      assert.ok(ports.length > 0, name);
      for (const p of ports) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p}`);
    }
  });

  it('refuse to start with the defaults as shipped, saying which to set', () => {
    const env = Object.fromEntries(Object.entries(compose.services.api?.environment ?? {}).map(([k, v]) => [k, interpolateDefaults(String(v))]));
    const hostFile = interpolateDefaults(compose.services.api?.volumes?.[0] ?? '').split(':')[0] ?? '';
    const text = refusal({ ...env, TOLLGATE_GATEWAYS_FILE: join(projectRoot(), hostFile) });
    assertOneSentence(text);
    assert.match(text, /AMOUNT_HOOK_SECRET/);
    assert.match(text, /DATABASE_URL/);
    assert.match(text, /demo account/);
  });
});
