import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { GatewayConfigError, loadGatewaysFile } from '../../src/gateways/config-file.js';
import { sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';

/** A terminal network is an `adapter: osmp` entry of the gateways file, kept apart from the payment gateways. */
const network = (over: Record<string, unknown> = {}) => ({
  name: 'qiwi',
  adapter: 'osmp',
  allowlist: ['10.1.0.0/16'],
  timezone: 'Europe/Moscow',
  currency: 'RUB',
  basic_auth: { user: 'qiwi', password: { env: 'QIWI_PASSWORD', default: 'dev-only-password' } },
  ...over,
});

describe('terminal networks in the gateways file', () => {
  it('are read apart from the gateways, never into the gateway list', () => {
    const { gateways, terminals } = loadGatewaysFile(writeGatewaysFile([sandboxEntry(), network()]), { QIWI_PASSWORD: 'from-env' });
    assert.deepEqual(gateways.map((g) => g.name), ['sandbox']);
    assert.equal(terminals.length, 1);
    const t = terminals[0];
    assert.equal(t?.basicAuth?.password, 'from-env');
    assert.equal(t?.basicAuth?.source, 'env');
    assert.deepEqual(t?.identification.identifiers, ['uid'], 'identification defaults');
    assert.equal(t?.minAmount, 1n);
  });

  it('may be the only entries', () => {
    const { gateways, terminals } = loadGatewaysFile(writeGatewaysFile([network()]), {});
    assert.deepEqual([gateways.length, terminals.length], [0, 1]);
  });

  it('name what is wrong: time zone, unknown fields, test addresses without an account, names taken', () => {
    const problem = (entries: Array<Record<string, unknown>>) => {
      try {
        loadGatewaysFile(writeGatewaysFile(entries), {});
      } catch (err) {
        assert.ok(err instanceof GatewayConfigError);
        return err.message;
      }
      assert.fail('accepted');
    };
    assert.match(problem([network({ timezone: 'Mars/Olympus' })]), /timezone: an IANA time zone/);
    assert.match(problem([network({ callback_allowlist: [] })]), /Unrecognized key|callback_allowlist/);
    assert.match(problem([network({ test_addresses: ['127.0.0.1'] })]), /test_account: test_addresses need a test_account/);
    assert.match(problem([network({ identification: { account_expression: '^\\d+$' } })]), /account_expression needs a capture group/);
    // A test address sharing any address with the allowlist (10.1.0.0/16) makes live requests test ones.
    for (const test of ['10.1.2.3', '10.1.0.0/24', '10.0.0.0/8', '0.0.0.0/0']) {
      assert.match(problem([network({ test_addresses: [test], test_account: 't' })]), new RegExp(`test_addresses: ${test.replace(/[./]/g, '\\$&')} overlaps allowlist entry 10\\.1\\.0\\.0/16`), test);
    }
    assert.doesNotThrow(() => loadGatewaysFile(writeGatewaysFile([network({ test_addresses: ['10.2.0.1', '::ffff:10.3.0.1', '2001:db8::/32'], test_account: 't' })]), {}));
    assert.match(problem([sandboxEntry({ name: 'qiwi' }), network()]), /names must be unique \("qiwi"\)/);
    assert.match(problem([network({ basic_auth: { user: 'q', password: { env: 'QIWI_PASSWORD' } } })]), /QIWI_PASSWORD is not set/);
  });

  it('production refuses a development password or shared secret', () => {
    const env = {
      TOLLGATE_ENV: 'production',
      DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@db:5432/tollgate',
      AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
      TOLLGATE_ADMIN_API_KEY: 'k'.repeat(32),
    };
    const file = writeGatewaysFile([network({ shared_secret: { value: { env: 'QIWI_SECRET', default: 'dev-secret' } } })]);
    assert.throws(
      () => loadConfig({ ...env, TOLLGATE_GATEWAYS_FILE: file }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /terminal network "qiwi"'s basic_auth password is a development default/.test(err.message) &&
        /terminal network "qiwi"'s shared secret is a development default/.test(err.message),
    );
    const open = writeGatewaysFile([network({ basic_auth: undefined, allowlist: ['0.0.0.0/0'] })]);
    assert.throws(() => loadConfig({ ...env, TOLLGATE_GATEWAYS_FILE: open }), /takes requests from any address without basic_auth or shared_secret/);
    const anyTest = writeGatewaysFile([network({ allowlist: [], test_addresses: ['::/0'], test_account: 't' })]);
    assert.throws(() => loadConfig({ ...env, QIWI_PASSWORD: 'a-real-password-from-env', TOLLGATE_GATEWAYS_FILE: anyTest }), /has a test address of every address/);
    const config = loadConfig({ ...env, TOLLGATE_GATEWAYS_FILE: file, QIWI_PASSWORD: 'a-real-password-from-env', QIWI_SECRET: 'a-real-secret-from-env' });
    assert.equal(config.terminals[0]?.sharedSecret?.source, 'env');
  });
});
