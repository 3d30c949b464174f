import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { verifyAssistNotification } from '../../src/gateways/assist/notification.js';
import { startAssistCheckout } from '../../src/gateways/assist/checkout.js';
import { buildGateways } from '../../src/gateways/registry.js';
import { writeGatewaysFile } from '../support/gateways-file.js';
import { simCheckvalue } from '../support/assist-simulator/books.js';
import { ASSIST_LIVE_ACCOUNT, ASSIST_TEST_ACCOUNT, assistEntry, assistLiveEnv } from '../support/assist-simulator/entry.js';

const configWith = (gateways: Array<Record<string, unknown>>, env: Record<string, string> = {}) => loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways), ...env });
const noDb = { query: () => Promise.reject(new Error('no database in this test')) } as never;
const refusal = (env: Record<string, string>, gateways: Array<Record<string, unknown>>): string => {
  try {
    configWith(gateways, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail('accepted a configuration it must refuse');
};

describe('an assist gateway in the gateways file', () => {
  it('loads one account per mode from the environment, on Assist’s own servers unless api_bases says otherwise', () => {
    const [g] = configWith([assistEntry()], assistLiveEnv).gateways;
    assert.deepEqual(g?.assist?.accounts, {
      test: { merchantId: '123456', login: 'tollgate_test', password: 'TestPassword1', base: 'https://test.paysecure.ru' },
      live: { merchantId: '654321', login: 'tollgate_live', password: 'LivePassword1', base: 'https://payments.paysecure.ru' },
    });
    assert.equal(g?.assist?.recurringPeriodDays, 31, '31: one calendar month, as in the Assist seed');
    const [dev] = configWith([assistEntry({ test: 'http://127.0.0.1:9/' })]).gateways;
    assert.equal(dev?.assist?.accounts.test?.base, 'http://127.0.0.1:9');
    assert.equal(dev?.assist?.accounts.live, undefined, 'a mode without credentials has no account');
    const gateway = buildGateways(configWith([assistEntry()]), { db: noDb }).get('assist');
    assert.deepEqual([...(gateway?.capabilities ?? [])].sort(), ['partial_refunds', 'recurring', 'refunds', 'status_query']);
  });

  it('refuses a mode without its credentials, a Merchant_ID that is no number, and a block on another adapter', () => {
    assert.match(refusal({}, [assistEntry(undefined, { mode: 'live' })]), /runs in live mode but ASSIST_LIVE_SALT is not set/);
    assert.match(refusal({ ASSIST_LIVE_SALT: 'x' }, [assistEntry(undefined, { mode: 'live' })]), /assist live Merchant_ID, login and password are not all set/);
    assert.match(refusal({ ASSIST_TEST_MERCHANT_ID: 'abc' }, [assistEntry()]), /Merchant_ID is not a number/);
    assert.match(refusal({}, [{ ...assistEntry(), adapter: 'sandbox' }]), /only an assist gateway has one/);
    assert.match(refusal({}, [{ ...assistEntry(), assist: undefined }]), /an assist gateway needs its assist block/);
  });

  it('in production, refuses another server and development credentials, and takes a secret word that is no whsec_ key', () => {
    const prod = {
      TOLLGATE_ENV: 'production',
      DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@db:5432/tollgate',
      AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
      ...assistLiveEnv,
    };
    const liveOnly = (bases?: Record<string, string>) => {
      const e = assistEntry(undefined, { mode: 'live', secrets: { live: { env: 'ASSIST_LIVE_SALT' } } });
      const ref = (name: string) => ({ live: { env: name } });
      return { ...e, assist: { merchant_ids: ref('ASSIST_LIVE_MERCHANT_ID'), logins: ref('ASSIST_LIVE_LOGIN'), passwords: ref('ASSIST_LIVE_PASSWORD'), ...(bases ? { api_bases: bases } : {}) } };
    };
    assert.doesNotThrow(() => configWith([liveOnly()], prod));
    assert.match(refusal(prod, [liveOnly({ live: 'http://127.0.0.1:9' })]), /sends its live Assist calls to http:\/\/127\.0\.0\.1:9 instead of Assist's \(remove api_bases\)/);
    assert.match(refusal(prod, [assistEntry()]), /assist test Merchant_ID is a development default/);
  });
});

describe('an Assist notification', () => {
  const settings = configWith([assistEntry()], assistLiveEnv).gateways[0]!;
  const signed = (account = ASSIST_TEST_ACCOUNT, over: Record<string, string> = {}, salt = account.salt) => {
    const f = { merchant_id: account.merchantId, ordernumber: 'pay_Abc', billnumber: '1000000000000007', amount: '18.15', currency: 'RUB', orderstate: 'Approved', testmode: account.testmode ? '1' : '0', packetdate: 'now', ...over };
    return { ...f, checkvalue: simCheckvalue(salt, [f.merchant_id, f.ordernumber, f.amount, f.currency, f.orderstate]) };
  };

  it('is the mode whose secret word and Merchant_ID signed it, and names the payment by its OrderNumber', () => {
    const v = verifyAssistNotification(settings, signed());
    assert.ok(v.ok);
    assert.equal(v.signedMode, 'test');
    assert.deepEqual(v.message, {
      kind: 'payment', eventId: '1000000000000007:Approved', paymentId: 'pay_Abc',
      outcome: { status: 'succeeded', gatewayTransactionId: '1000000000000007', code: 'Approved', message: 'Approved', paymentMethodToken: 'assist_bill:1000000000000007', paymentMethodExpires: undefined, paidMinor: '1815', paidCurrency: 'RUB' },
    });
    const live = verifyAssistNotification(settings, signed(ASSIST_LIVE_ACCOUNT));
    assert.ok(live.ok && live.signedMode === 'live');
  });

  it('is refused with a wrong checkvalue or another account’s secret word; one whose testmode its signer contradicts is ignored (taken, marks nothing paid)', () => {
    const wrong = { ...signed(), checkvalue: 'F'.repeat(32) };
    assert.deepEqual([wrong, signed(ASSIST_TEST_ACCOUNT, {}, ASSIST_LIVE_ACCOUNT.salt), signed(ASSIST_TEST_ACCOUNT, { testmode: '0' }), signed(ASSIST_LIVE_ACCOUNT, { testmode: '1' })].map((n) => {
      const v = verifyAssistNotification(settings, n);
      return v.ok ? v.message.kind : v.reason;
    }), ['signature', 'signature', 'ignored', 'ignored']);
    const tampered = { ...signed(), amount: '1.00' };
    assert.equal(verifyAssistNotification(settings, tampered).ok, false, 'the amount is signed');
    const missing = verifyAssistNotification(settings, { merchant_id: '123456' });
    assert.ok(!missing.ok && missing.reason === 'schema');
  });

  it('of a recurring order, or a state that is not final, is journaled as ignored', () => {
    for (const n of [signed(ASSIST_TEST_ACCOUNT, { ordernumber: 'sub_X:3:1' }), signed(ASSIST_TEST_ACCOUNT, { orderstate: 'In Process' })]) {
      const v = verifyAssistNotification(settings, n);
      assert.ok(v.ok && v.message.kind === 'ignored', JSON.stringify(v));
    }
  });
});

describe('the Assist payment form', () => {
  it('sends the payer to order.cfm of the payment’s mode, signed with that mode’s secret word, asking for recurring payments only to save the card', () => {
    const settings = configWith([assistEntry()], assistLiveEnv).gateways[0]!;
    const payment = { id: 'pay_Form1', amountMinor: 1815n, currency: 'RUB', description: 'Internet', reference: 'R1', mode: 'live' as const, returnUrl: 'https://t.example/r', expiresAt: new Date() };
    const url = new URL(startAssistCheckout(settings, payment, new Date('2026-12-02T00:00:00Z')).url);
    assert.equal(`${url.origin}${url.pathname}`, 'https://payments.paysecure.ru/pay/order.cfm');
    const q = Object.fromEntries(url.searchParams);
    assert.equal(q.Merchant_ID, '654321');
    assert.equal(q.OrderAmount, '18.15');
    assert.equal(q.Checkvalue, simCheckvalue(ASSIST_LIVE_ACCOUNT.salt, ['654321', 'pay_Form1', '18.15', 'RUB']));
    assert.equal(q.RecurringIndicator, undefined);
    const saving = Object.fromEntries(new URL(startAssistCheckout(settings, { ...payment, saveCard: true }, new Date('2026-12-02T00:00:00Z')).url).searchParams);
    assert.deepEqual([saving.RecurringIndicator, saving.RecurringMinAmount, saving.RecurringMaxAmount, saving.RecurringPeriod, saving.RecurringMaxDate], ['1', '1.00', '1000.00', '31', '02.12.2031']);
  });
});
