import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ipAllowed } from '../../src/gateways/cidr.js';
import { LIVE_SECRET, sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';

const configWith = (gateways: Array<Record<string, unknown>>, env: Record<string, string> = {}) =>
  loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways), ...env });

describe('the gateways file', () => {
  it('loads the shipped file: sandbox, sandbox_deferred and bank_transfer', () => {
    const config = loadConfig({});
    assert.deepEqual(config.gateways.map((g) => [g.name, g.adapter, g.settlement, g.mode]), [
      ['sandbox', 'sandbox', 'immediate', 'test'],
      ['sandbox_deferred', 'sandbox', 'deferred', 'test'],
      ['bank_transfer', 'bank_transfer', 'immediate', 'test'],
    ]);
    assert.equal(config.gateways[1]?.paymentExpirationMs, 5 * 86_400_000);
  });

  it('refuses, naming the field: a live mode without its secret, a live default, one secret for both modes, the public development secret for live, a deferred bank transfer, a bad CIDR', () => {
    const cases: Array<[Array<Record<string, unknown>>, Record<string, string>, RegExp]> = [
      [[sandboxEntry({ mode: 'live' })], {}, /live mode but LIVE_GW_SECRET is not set/],
      [[sandboxEntry({ secrets: { live: { env: 'X_LIVE', default: 'whsec_AA==' } } })], {}, /secrets\.live: Unrecognized key/],
      [[sandboxEntry({ secrets: { test: { env: 'A' }, live: { env: 'B' } } })], { A: LIVE_SECRET, B: LIVE_SECRET }, /same secret for test and live/],
      [[sandboxEntry({ secrets: { test: { env: 'A', default: 'whsec_AA==' }, live: { env: 'SANDBOX_WEBHOOK_SECRET' } } })], {}, /public development secret/],
      [[{ name: 'bt', adapter: 'bank_transfer', settlement: 'deferred', account: { iban: 'PL61109010140000071219812874', holder: 'X' } }], {}, /settlement: bank_transfer settles from the statement/],
      [[sandboxEntry({ callback_allowlist: ['10.0.0.0/33'] })], {}, /callback_allowlist\.0/],
      [[sandboxEntry({ min_amount: 10, max_amount: 5 })], {}, /min_amount must not exceed max_amount/],
    ];
    for (const [gateways, env, reason] of cases) assert.throws(() => configWith(gateways, env), reason);
  });

  it('allows recurring charges only where recurring.enabled says so, within limits narrowed by the gateway own', () => {
    const shipped = loadConfig({}).gateways;
    assert.deepEqual(shipped.map((g) => [g.name, g.recurring !== null]), [['sandbox', true], ['sandbox_deferred', false], ['bank_transfer', false]]);
    const [none, narrowed] = configWith([
      sandboxEntry({ name: 'no_recurring', recurring: undefined }),
      sandboxEntry({ name: 'narrowed', min_amount: 100, max_amount: 90_000, recurring: { enabled: true, min_amount: 50, max_amount: 10_000 } }),
    ]).gateways;
    assert.equal(none?.recurring, null);
    assert.deepEqual(narrowed?.recurring, { minAmount: 100n, maxAmount: 10_000n });
    assert.throws(() => configWith([sandboxEntry({ recurring: { enabled: true, min_amount: 10, max_amount: 5 } })]), /recurring\.min_amount: recurring\.min_amount must not exceed/);
    assert.throws(
      () => configWith([{ name: 'bt', adapter: 'bank_transfer', recurring: { enabled: true }, account: { iban: 'PL61109010140000071219812874', holder: 'X' } }]),
      /recurring\.enabled: a bank transfer cannot be charged/,
    );
  });

  it('defaults late_success to refund for card gateways and keep for bank transfers, takes keep, and refuses a bank transfer that would refund by itself', () => {
    const shipped = loadConfig({}).gateways;
    assert.deepEqual(shipped.map((g) => [g.name, g.lateSuccess]), [['sandbox', 'refund'], ['sandbox_deferred', 'refund'], ['bank_transfer', 'keep']]);
    assert.equal(configWith([sandboxEntry({ late_success: 'keep' })]).gateways[0]?.lateSuccess, 'keep');
    assert.throws(() => configWith([sandboxEntry({ late_success: 'credit' })]), /late_success/);
    assert.throws(
      () => configWith([{ name: 'bt', adapter: 'bank_transfer', late_success: 'refund', account: { iban: 'PL61109010140000071219812874', holder: 'X' } }]),
      /late_success: bank_transfer cannot refund by itself/,
    );
  });

  it('keeps a disabled gateway for payments in flight', () => {
    const [g] = configWith([sandboxEntry({ enabled: false })]).gateways;
    assert.equal(g?.enabled, false);
  });
});

describe('callback IP allowlists', () => {
  it('matches IPv4 and IPv6 blocks, single addresses and IPv4-mapped peers; empty allows any', () => {
    assert.equal(ipAllowed('203.0.113.7', []), true);
    assert.equal(ipAllowed(undefined, ['10.0.0.0/8']), false);
    assert.equal(ipAllowed('10.1.2.3', ['10.0.0.0/8']), true);
    assert.equal(ipAllowed('11.1.2.3', ['10.0.0.0/8']), false);
    assert.equal(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8']), true);
    assert.equal(ipAllowed('192.0.2.10', ['192.0.2.10']), true);
    assert.equal(ipAllowed('192.0.2.11', ['192.0.2.10']), false);
    assert.equal(ipAllowed('2001:db8::1', ['2001:db8::/32']), true);
    assert.equal(ipAllowed('2001:db9::1', ['2001:db8::/32']), false);
    assert.equal(ipAllowed('10.1.2.3', ['2001:db8::/32']), false);
    assert.equal(ipAllowed('127.0.0.1', ['0.0.0.0/0']), true);
  });
});
