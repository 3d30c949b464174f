import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProductionSafe, ConfigError, loadConfig } from '../../src/config.js';
import { buildGateways } from '../../src/gateways/registry.js';
import { fromUnitellerAmount, toSubtotalP } from '../../src/gateways/uniteller/amounts.js';
import { orderOf, parentOrderOf, paymentOrderId } from '../../src/gateways/uniteller/orders.js';
import { callbackSignature } from '../../src/gateways/uniteller/signature.js';
import { UNITELLER_LIVE_PASSWORD, UNITELLER_TEST_PASSWORD, unitellerEntry, unitellerEnv, writeGatewaysFile } from '../support/gateways-file.js';

const configWith = (gateways: Array<Record<string, unknown>>, env: Record<string, string> = {}) => loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways), ...env });
const noDb = { query: () => Promise.reject(new Error('no database in this test')) } as never;

describe('the uniteller gateway', () => {
  it('loads its shops per mode, with Uniteller’s own endpoints unless the file names others', () => {
    const [g] = configWith([unitellerEntry(undefined)], unitellerEnv).gateways;
    assert.deepEqual(g?.uniteller?.endpoints, { test: 'https://test.wpay.uniteller.ru', live: 'https://wpay.uniteller.ru' });
    assert.deepEqual(g?.uniteller?.overridden, []);
    assert.deepEqual(g?.secrets, { test: UNITELLER_TEST_PASSWORD, live: UNITELLER_LIVE_PASSWORD });
    const [sim] = configWith([unitellerEntry('http://127.0.0.1:9')]).gateways;
    assert.deepEqual(sim?.uniteller?.overridden, ['test', 'live']);
    const gw = buildGateways(configWith([unitellerEntry(undefined)]), { db: noDb }).get('uniteller');
    assert.deepEqual([...(gw?.capabilities ?? [])].sort(), ['recurring', 'refunds', 'status_query'], 'refunds of whole orders only: no partial_refunds');
    assert.equal(g?.uniteller?.partialRefunds, false, 'partial_refunds is off unless set');
  });

  it('takes partial refunds only where the file says the acquirer does (uniteller.partial_refunds: true)', () => {
    const entry = unitellerEntry(undefined);
    const partial = configWith([{ ...entry, uniteller: { ...entry.uniteller, partial_refunds: true } }], unitellerEnv);
    assert.equal(partial.gateways[0]?.uniteller?.partialRefunds, true);
    const gw = buildGateways(partial, { db: noDb }).get('uniteller');
    assert.deepEqual([...(gw?.capabilities ?? [])].sort(), ['partial_refunds', 'recurring', 'refunds', 'status_query']);
    assert.throws(() => configWith([{ ...entry, uniteller: { ...entry.uniteller, partial_refunds: 'yes' } }], unitellerEnv), ConfigError);
  });

  it('refuses a mode without its shop, the block on another adapter, and (in production) a simulator endpoint or a default password', () => {
    assert.throws(() => configWith([unitellerEntry(undefined, { mode: 'live' })], { UNITELLER_LIVE_PASSWORD }), /runs in live mode but UNITELLER_LIVE_API_PASSWORD \(its results password\) is not set/);
    assert.throws(() => configWith([{ ...unitellerEntry(undefined), adapter: 'sandbox' }]), /the uniteller block is for \(and needed by\) the uniteller adapter/);
    const prod = (entry: Record<string, unknown>) => assertProductionSafe({ ...configWith([entry], unitellerEnv), TOLLGATE_ENV: 'production' });
    assert.throws(() => prod(unitellerEntry('http://127.0.0.1:9')), (e: unknown) => e instanceof ConfigError && /sends its test-mode Uniteller requests to http:\/\/127\.0\.0\.1:9 instead of Uniteller/.test(e.message) && /test Uniteller results password is a development default/.test(e.message));
  });

  it('verifies a notification by the password of the mode that signed it, and reads its order', () => {
    const gw = buildGateways(configWith([unitellerEntry(undefined)], unitellerEnv), { db: noDb }).get('uniteller');
    assert.ok(gw);
    assert.equal(typeof gw.parseCallbackBody, 'function');
    const parse = (body: string) => gw.parseCallbackBody?.({ headers: {}, body });
    const verify = (fields: Record<string, string>) => {
      const parsed = parse(new URLSearchParams(fields).toString());
      assert.ok(parsed?.ok);
      return gw.verifyCallback({ headers: {}, body: '' }, parsed.value, 0);
    };
    const order = paymentOrderId('pay_Abc', true);
    const test = verify({ Order_ID: order, Status: 'paid', Signature: callbackSignature(order, 'paid', UNITELLER_TEST_PASSWORD) });
    assert.deepEqual(test, {
      ok: true,
      signedMode: 'test',
      message: { kind: 'payment', eventId: 'pay_Abc:recurrent:paid', paymentId: 'pay_Abc', outcome: { status: 'succeeded', gatewayTransactionId: order, ids: { sessionId: order }, paymentMethodToken: order } },
    });
    const live = verify({ Order_ID: 'pay_Abc', Status: 'authorized', Signature: callbackSignature('pay_Abc', 'authorized', UNITELLER_LIVE_PASSWORD) });
    assert.equal(live.ok && live.signedMode, 'live');
    assert.deepEqual(verify({ Order_ID: 'pay_Abc', Status: 'paid', Signature: callbackSignature('pay_Abc', 'paid', 'guessed') }), { ok: false, reason: 'signature', detail: 'the Signature matches neither mode’s password' });
    const waiting = verify({ Order_ID: 'pay_Abc', Status: 'waiting', Signature: callbackSignature('pay_Abc', 'waiting', UNITELLER_TEST_PASSWORD) });
    assert.equal(waiting.ok && waiting.message.kind, 'noted');
    const charge = verify({ Order_ID: 'sub_X:3:1', Status: 'paid', Signature: callbackSignature('sub_X:3:1', 'paid', UNITELLER_TEST_PASSWORD) });
    assert.deepEqual(charge.ok && charge.message, { kind: 'noted', eventId: 'sub_X:3:1:paid', target: { intentId: 'sub_X:3:1' }, note: 'Uniteller order sub_X:3:1 is paid' });
    const odd = verify({ Order_ID: 'pay_Abc', Status: 'refunded', Signature: callbackSignature('pay_Abc', 'refunded', UNITELLER_TEST_PASSWORD) });
    assert.equal(!odd.ok && odd.reason, 'schema');
    assert.deepEqual(parse('{"Order_ID":"pay_Abc"}'), { ok: false, detail: 'the callback body is JSON, not Uniteller’s form' });
  });

  it('keeps only the first payment’s order as the payment method, and converts amounts by string arithmetic', () => {
    assert.equal(parentOrderOf('pay_Abc:recurrent'), 'pay_Abc:recurrent');
    assert.equal(parentOrderOf('pay_Abc'), undefined, 'a payment that did not start recurring payments is no parent');
    assert.deepEqual(orderOf('sub_X:12:3'), { kind: 'charge', idempotencyKey: 'sub_X:12:3' });
    assert.deepEqual(orderOf('12 34'), { kind: 'foreign' });
    assert.equal(toSubtotalP(1815n, 'RUB'), '18.15');
    assert.equal(toSubtotalP(5n, 'RUB'), '0.05');
    assert.equal(fromUnitellerAmount('100.50', 'RUB'), 10050n);
    assert.throws(() => toSubtotalP(1000n, 'KWD'), /at most two decimals/);
    assert.throws(() => fromUnitellerAmount('1.005', 'RUB'), /not a RUB amount/);
  });
});
