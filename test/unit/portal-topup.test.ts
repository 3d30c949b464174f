import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNonce, openForm, sealForm } from '../../src/api/portal/form-seal.js';
import { startKeyOf } from '../../src/api/portal/start-once.js';
import { readSum } from '../../src/api/portal/top-up.js';
import { loadConfig } from '../../src/config.js';
import { commissionMinor, hasCommission, percentProblem, sumOutOfBounds } from '../../src/domain/commission.js';
import { portalSettings, PortalFileEntry } from '../../src/portal/settings.js';
import { sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';

const c = (fixed: bigint, percent: string) => ({ fixedMinor: fixed, percent });

describe('the top-up commission (src/domain/commission.ts)', () => {
  it("reproduces ABillS's own example: 1.00 at 2.5 % is a commission of 0.03, total 1.03 (0.025 rounded half up)", () => {
    assert.equal(commissionMinor(100n, c(0n, '2.5')), 3n);
  });

  it('rounds the percentage part half up to the minor unit, and adds the fixed part whole', () => {
    const cases: Array<[bigint, bigint, string, bigint]> = [
      [1000n, 0n, '2.5', 25n], // exact
      [99n, 0n, '2.5', 2n], // 2.475 → 2
      [101n, 0n, '2.5', 3n], // 2.525 → 3
      [20n, 0n, '2.5', 1n], // 0.5 → 1 (half up)
      [19n, 0n, '2.5', 0n], // 0.475 → 0
      [12_345n, 30n, '1.25', 30n + 154n], // 154.3125 → 154
      [5000n, 150n, '0', 150n], // fixed only
      [1n, 0n, '0.0001', 0n],
      [5_000_000n, 0n, '0.0001', 5n],
      [10n ** 15n, 0n, '99.9999', 999_999n * 10n ** 9n], // exact bigint arithmetic far past 2^53
    ];
    for (const [sum, fixed, percent, want] of cases) assert.equal(commissionMinor(sum, c(fixed, percent)), want, `${sum} at ${fixed} + ${percent} %`);
    assert.equal(commissionMinor(500n, undefined), 0n);
  });

  it('accepts a percentage only as a short decimal string below 100', () => {
    for (const ok of ['0', '2.5', '99.9999', '0.0001', '10']) assert.equal(percentProblem(ok), undefined, ok);
    for (const bad of ['100', '2,5', '-1', '1e2', '2.55555', '', '.5', '2.']) assert.ok(percentProblem(bad), bad);
    assert.equal(hasCommission(c(0n, '0')), false);
    assert.equal(hasCommission(c(0n, '0.0001')), true);
    assert.equal(hasCommission(c(1n, '0')), true);
  });

  it('keeps a sum within PAYSYS_MIN_SUM / PAYSYS_MAX_SUM, both ends included', () => {
    assert.equal(sumOutOfBounds(100n, 100n, 500n), undefined);
    assert.equal(sumOutOfBounds(500n, 100n, 500n), undefined);
    assert.equal(sumOutOfBounds(99n, 100n, 500n), 'below_min');
    assert.equal(sumOutOfBounds(501n, 100n, 500n), 'above_max');
  });
});

describe("the portal's sum field", () => {
  const portal = portalSettings(PortalFileEntry.parse({ currency: 'PLN', min_sum: 500, max_sum: 100_000, gateways: ['sandbox'] }));

  it('reads decimal strings exactly and says what is wrong, with the bounds', () => {
    assert.deepEqual(readSum('25', portal), { sumMinor: 2500n });
    assert.deepEqual(readSum(' 25,50 ', portal), { sumMinor: 2550n });
    assert.deepEqual(readSum('5.00', portal), { sumMinor: 500n });
    assert.deepEqual(readSum('1000.00', portal), { sumMinor: 100_000n });
    assert.deepEqual(readSum('4.99', portal), { error: 'The sum must be at least 5.00 PLN' });
    assert.deepEqual(readSum('1000.01', portal), { error: 'The sum must be at most 1000.00 PLN' });
    assert.match((readSum('', portal) as { error: string }).error, /^Enter the sum to top up, between 5\.00 PLN and 1000\.00 PLN$/);
    assert.match((readSum('12.345', portal) as { error: string }).error, /as a number such as 5\.00/);
    assert.match((readSum('ten', portal) as { error: string }).error, /as a number/);
    assert.match((readSum('-10', portal) as { error: string }).error, /at least/);
  });
});

describe("the portal's sealed forms", () => {
  const secret = 'whsec_dGVzdC1wb3J0YWwtc2VjcmV0LWZvci11bml0LXRlc3Rz';
  const now = new Date('2026-12-02T05:00:00Z');
  const payer = { k: 'payer' as const, exp: now.getTime() + 60_000, customerId: 'cus_1', maskedName: 'J** K*******', currency: 'PLN', balance: '-2500', recommended: '3000' };

  it('opens what it sealed, and nothing changed, expired, of another kind or sealed with another secret', () => {
    const token = sealForm(secret, payer);
    assert.doesNotMatch(Buffer.from(token, 'base64url').toString('latin1'), /cus_1/, 'the customer id is not readable');
    assert.deepEqual(openForm(secret, token, 'payer', now), payer);
    assert.equal(openForm(secret, token, 'lookup', now), undefined);
    assert.equal(openForm(secret, token, 'payer', new Date(payer.exp)), undefined);
    assert.equal(openForm(`${secret}x`, token, 'payer', now), undefined);
    const bytes = Buffer.from(token, 'base64url');
    bytes[14] = (bytes[14] ?? 0) ^ 1;
    assert.equal(openForm(secret, bytes.toString('base64url'), 'payer', now), undefined);
    for (const junk of [undefined, '', 'abc', 42, 'x'.repeat(5000)]) assert.equal(openForm(secret, junk, 'payer', now), undefined);
  });

  it("a confirm page's offer carries the sum and a fresh 128-bit nonce; its start key is per nonce and gateway", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    assert.equal(nonces.size, 1000);
    for (const n of nonces) assert.equal(Buffer.from(n, 'base64url').length, 16);
    const offer = { ...payer, k: 'offer' as const, sum: '1000', nonce: newNonce() };
    const token = sealForm(secret, offer);
    assert.deepEqual(openForm(secret, token, 'offer', now), offer);
    assert.equal(openForm(secret, token, 'payer', now), undefined, 'an offer is not a payer form (nor the other way round)');
    assert.equal(openForm(secret, sealForm(secret, payer), 'offer', now), undefined);
    assert.equal(openForm(secret, sealForm(secret, { ...offer, nonce: 'short' }), 'offer', now), undefined, 'no offer without a full nonce');
    const key = startKeyOf(offer.nonce, 'sandbox');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(startKeyOf(offer.nonce, 'sandbox'), key);
    assert.notEqual(startKeyOf(offer.nonce, 'card_plain'), key, 'another gateway of the same page is another start');
    assert.notEqual(startKeyOf(newNonce(), 'sandbox'), key, 'another page is another start');
  });
});

describe('the portal block of the gateways file', () => {
  const configWith = (gateways: Array<Record<string, unknown>>, portal: Record<string, unknown> | undefined) =>
    loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways, portal ? { portal } : {}) });
  const bank = { name: 'bank', adapter: 'bank_transfer', account: { iban: 'PL27114020040000300201355387', holder: 'X' } };

  it('is absent by default, and loads with its commission per gateway', () => {
    assert.equal(loadConfig({}).portal, null);
    const config = configWith([sandboxEntry({ commission: { fixed: 30, percent: '2.5' } })], { currency: 'PLN', min_sum: 100, max_sum: 500_000, gateways: ['sandbox'], identification: { identifiers: ['contract', 'login'] } });
    assert.deepEqual(config.portal, {
      enabled: true, currency: 'PLN', minSumMinor: 100n, maxSumMinor: 500_000n, gateways: ['sandbox'],
      identification: { identifiers: ['contract', 'login'], add_to_recommended: 0, recommended_is_minimum: false },
      rateLimit: { lookups: 10, windowMs: 600_000 },
    });
    assert.deepEqual(config.gateways[0]?.commission, { fixedMinor: 30n, percent: '2.5' });
  });

  it('refuses, naming the field: an unknown, disabled, other-currency or bank-transfer gateway, min above max, a bad percent, a commission on a deferred gateway', () => {
    const portal = (over: Record<string, unknown>) => ({ currency: 'PLN', gateways: ['sandbox'], ...over });
    const cases: Array<[Array<Record<string, unknown>>, Record<string, unknown>, RegExp]> = [
      [[sandboxEntry()], portal({ gateways: ['nope'] }), /portal\.gateways\.0: gateway "nope" is not in gateways/],
      [[sandboxEntry({ enabled: false })], portal({}), /gateway "sandbox" is not enabled/],
      [[sandboxEntry({ currencies: ['EUR'] })], portal({}), /gateway "sandbox" does not take PLN/],
      [[sandboxEntry(), bank], portal({ gateways: ['sandbox', 'bank'] }), /portal\.gateways\.1: gateway "bank" is a bank transfer/],
      [[sandboxEntry()], portal({ min_sum: 500, max_sum: 100 }), /portal\.min_sum: min_sum must not exceed max_sum/],
      [[sandboxEntry({ commission: { percent: '2,5' } })], portal({}), /commission\.percent: percent must be a decimal string/],
      [[sandboxEntry({ settlement: 'deferred', commission: { fixed: 10 } })], portal({}), /commission: a commission needs settlement: immediate/],
      [[sandboxEntry()], portal({ identification: { identifiers: ['email'] } }), /portal\.identification\.identifiers\.0/],
    ];
    for (const [gateways, p, reason] of cases) assert.throws(() => configWith(gateways, p), reason);
  });

  it('in production, an enabled portal needs its own form secret', () => {
    const file = writeGatewaysFile([{ name: 'stripe_live', adapter: 'stripe', mode: 'live', secrets: { live: { env: 'SW' } }, api_keys: { live: { env: 'SK' } } }], { portal: { currency: 'PLN', gateways: ['stripe_live'] } });
    const env = { TOLLGATE_ENV: 'production', TOLLGATE_GATEWAYS_FILE: file, SW: 'whsec_' + Buffer.alloc(32, 7).toString('base64'), SK: 'sk_live_abc', AMOUNT_HOOK_SECRET: 'whsec_' + Buffer.alloc(32, 9).toString('base64') };
    assert.throws(() => loadConfig(env), /PORTAL_FORM_SECRET is unset or the development default/);
    assert.throws(() => loadConfig({ ...env, PORTAL_FORM_SECRET: 'short' }), /PORTAL_FORM_SECRET is not a whsec_ key/);
    assert.doesNotThrow(() => loadConfig({ ...env, PORTAL_FORM_SECRET: 'whsec_' + Buffer.alloc(32, 5).toString('base64') }));
  });
});
