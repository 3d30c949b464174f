import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { repeatMismatch, runOsmp } from '../../src/terminals/osmp/commands.js';
import { formatOsmpSum, OSMP_RESULTS, parseOsmpRequest, parseOsmpSum, parseTxnDate } from '../../src/terminals/osmp/protocol.js';
import { osmpXml, xmlEscape } from '../../src/terminals/osmp/xml.js';
import { resolveTerminal, TerminalFileEntry } from '../../src/terminals/settings.js';
import type { IdentificationChannel, IdentifyPayer, PayerLookup } from '../../src/identification/types.js';
import type { CallbackDispatcher } from '../../src/relay/callback-dispatch.js';

const params = (qs: string) => Object.fromEntries(new URLSearchParams(qs));

describe('OSMP protocol: the spec\'s worked examples', () => {
  // «Протокол взаимодействия с провайдерами», the check and pay examples of the request section.
  it('reads the check example', () => {
    const p = parseOsmpRequest(params('command=check&txn_id=1234567&account=4957835959&sum=10.45'), 'RUB', 'Europe/Moscow');
    assert.ok(p.ok);
    assert.deepEqual(p.request, { command: 'check', txnId: '1234567', account: '4957835959', sumMinor: 1045n, txnDate: null });
  });

  it('reads the pay example, txn_date in the network\'s time zone', () => {
    const p = parseOsmpRequest(params('command=pay&txn_id=1234567&txn_date=20050815120133&account=4957835959&sum=10.45'), 'RUB', 'Europe/Moscow');
    assert.ok(p.ok);
    assert.equal(p.request.sumMinor, 1045n);
    // Moscow was UTC+4 in August 2005 (summer time).
    assert.deepEqual(p.request.txnDate, { local: '20050815120133', at: new Date('2005-08-15T08:01:33Z') });
  });

  it('answers in the spec\'s document shape', () => {
    assert.equal(
      osmpXml({ osmpTxnId: '1234567', prvTxn: '2016', sum: '10.45', result: 0, comment: 'OK' }),
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <osmp_txn_id>1234567</osmp_txn_id>\n  <prv_txn>2016</prv_txn>\n  <sum>10.45</sum>\n  <result>0</result>\n  <comment>OK</comment>\n</response>\n',
    );
    assert.equal(
      osmpXml({ osmpTxnId: '1234567', result: 0, comment: '' }),
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <osmp_txn_id>1234567</osmp_txn_id>\n  <result>0</result>\n  <comment></comment>\n</response>\n',
    );
  });
});

describe('OSMP XML', () => {
  it('escapes every value and drops characters XML cannot carry', () => {
    assert.equal(xmlEscape(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    assert.equal(xmlEscape('a\u0000b\u0008c\ud800d'), 'abcd');
    assert.equal(xmlEscape('Тест \u{1F600}\t\n'), 'Тест \u{1F600}\t\n');
    const doc = osmpXml({ osmpTxnId: '</osmp_txn_id><result>0</result>', result: 300, comment: '<&>' });
    assert.equal(doc.match(/<result>/g)?.length, 1, 'an echoed value cannot add an element');
    assert.match(doc, /<comment>&lt;&amp;&gt;<\/comment>/);
  });
});

describe('OSMP sums and dates', () => {
  it('takes a dot and at most the currency\'s decimals, nothing else', () => {
    assert.equal(parseOsmpSum('10.45', 'RUB'), 1045n);
    assert.equal(parseOsmpSum('10.4', 'RUB'), 1040n);
    assert.equal(parseOsmpSum('10', 'RUB'), 1000n);
    assert.equal(parseOsmpSum('0.01', 'RUB'), 1n);
    assert.equal(parseOsmpSum('1.234', 'KWD'), 1234n);
    assert.equal(parseOsmpSum('100', 'JPY'), 100n);
    for (const bad of ['10,45', '10.456', '10,450', '-1', '+1', '1e3', ' 10', '10.', '.5', '', '1 000', '10.4.5', '１０']) {
      assert.equal(parseOsmpSum(bad, 'RUB'), undefined, bad);
    }
    assert.equal(parseOsmpSum('1.5', 'JPY'), undefined, 'JPY has no decimals');
    // Zeros beyond the currency's decimals name the same amount; a non-zero digit there is refused.
    assert.equal(parseOsmpSum('100.00', 'JPY'), 100n);
    assert.equal(parseOsmpSum('10.450', 'RUB'), 1045n);
    assert.equal(parseOsmpSum('10.000', 'RUB'), 1000n);
    assert.equal(parseOsmpSum('100.01', 'JPY'), undefined);
    assert.equal(parseOsmpSum('10.451', 'RUB'), undefined);
    assert.equal(parseOsmpSum('10.4500001', 'RUB'), undefined);
    assert.equal(parseOsmpSum('99999999999999999999.00', 'RUB'), 9999999999999999999900n, 'well-formed, however large: the bounds answer it (242), not the parser (300)');
    assert.equal(formatOsmpSum(1045n, 'RUB'), '10.45');
    assert.equal(formatOsmpSum(5n, 'RUB'), '0.05');
  });

  it('reads txn_date strictly, as the wall clock of the network', () => {
    assert.equal(parseTxnDate('20240131235959', 'UTC')?.toISOString(), '2024-01-31T23:59:59.000Z');
    assert.equal(parseTxnDate('20240229120000', 'Asia/Almaty')?.toISOString(), '2024-02-29T06:00:00.000Z');
    for (const bad of ['20230229120000', '20241301000000', '20240100000000', '20240101240000', '20240101006000', '2024010100000', '2024-01-01T00:00', '20240101000000Z']) {
      assert.equal(parseTxnDate(bad, 'UTC'), undefined, bad);
    }
  });

  it('refuses malformed requests with the spec\'s codes, echoing the txn_id', () => {
    const tz = 'UTC';
    const code = (qs: string) => {
      const p = parseOsmpRequest(params(qs), 'RUB', tz);
      return p.ok ? 0 : OSMP_RESULTS[p.result];
    };
    assert.equal(code('command=refund&txn_id=1&account=1'), 300);
    assert.equal(code('command=check&txn_id=12a&account=1'), 300);
    assert.equal(code('command=check&txn_id=000&account=1'), 300);
    assert.equal(code('command=check&txn_id=123456789012345678901&account=1'), 300, 'more than 20 digits');
    assert.equal(code('command=check&txn_id=1&account='), 4);
    assert.equal(code(`command=check&txn_id=1&account=${'9'.repeat(101)}`), 4);
    assert.equal(code('command=check&txn_id=1&account=1&sum=10,45'), 300);
    assert.equal(code('command=pay&txn_id=1&account=1&sum=10.45'), 300, 'pay needs txn_date');
    assert.equal(code('command=pay&txn_id=1&account=1&txn_date=20240101000000'), 300, 'pay needs a sum');
    assert.equal(code('command=pay&txn_id=1&account=1&sum=0.00&txn_date=20240101000000'), 300);
    assert.equal(code('command=check&txn_id=1&account=1&sum=0.00'), 0, 'a check may carry no sum');
    const p = parseOsmpRequest(params('command=check&txn_id=00012345678901234567&account=1'), 'RUB', tz);
    assert.ok(p.ok);
    assert.equal(p.request.txnId, '12345678901234567', 'leading zeros name the same transaction');
  });
});

describe('OSMP check verdicts (a typed identification double)', () => {
  const terminal = resolveTerminal(
    TerminalFileEntry.parse({ name: 'osmp', adapter: 'osmp', allowlist: ['10.0.0.0/8'], timezone: 'Europe/Moscow', currency: 'RUB', min_amount: 100, max_amount: 1_500_000 }),
    {},
  );
  const found: PayerLookup = { found: true, customerId: 'cus_1', kind: 'contract', maskedName: 'Те** Us**', currency: 'RUB', balanceMinor: -500n, recommendedMinor: 500n, active: true, foundBy: 'identifier', source: 'pushed' };
  const identify = (answer: PayerLookup, seen: Array<[IdentificationChannel, string]> = []): IdentifyPayer => async (channel, typed) => {
    seen.push([channel, typed]);
    return answer;
  };
  // A check never reaches Postgres or the dispatcher: these throw if it did.
  const unreachable = new Proxy({}, { get: () => { throw new Error('a check must not touch this'); } });
  const deps = (identifyPayer: IdentifyPayer | undefined) => ({
    pool: unreachable as pg.Pool,
    callbackDispatch: unreachable as CallbackDispatcher,
    now: () => new Date(),
    rates: { timeZone: 'UTC', maxAgeDays: 7 },
    identifyPayer,
  });
  const check = async (lookup: PayerLookup | undefined, sum: bigint | null, t = terminal) => {
    const out = await runOsmp(deps(lookup ? identify(lookup) : undefined), t, { command: 'check', txnId: '7', account: '42', sumMinor: sum, txnDate: null }, { journalId: 1n, mode: 'live', typed: '42' });
    return out.answer.result;
  };

  it('shows the payer the masked name and the balance, in the fields extension', async () => {
    const out = await runOsmp(deps(identify(found)), terminal, { command: 'check', txnId: '7', account: '42', sumMinor: null, txnDate: null }, { journalId: 1n, mode: 'live', typed: '42' });
    assert.deepEqual(out.answer.fields, [{ name: 'fio', value: 'Те** Us**' }, { name: 'balance', value: '-5.00' }]);
    assert.equal(
      osmpXml(out.answer),
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <osmp_txn_id>7</osmp_txn_id>\n  <result>0</result>\n  <fields>\n    <field1 name="fio">Те** Us**</field1>\n    <field2 name="balance">-5.00</field2>\n  </fields>\n  <comment>OK</comment>\n</response>\n',
    );
    const unknown = await runOsmp(deps(identify({ ...found, balanceMinor: null })), terminal, { command: 'check', txnId: '7', account: '42', sumMinor: null, txnDate: null }, { journalId: 1n, mode: 'live', typed: '42' });
    assert.deepEqual(unknown.answer.fields, [{ name: 'fio', value: 'Те** Us**' }], 'no balance told: none shown');
    const refused = await runOsmp(deps(identify({ ...found, active: false })), terminal, { command: 'check', txnId: '7', account: '42', sumMinor: null, txnDate: null }, { journalId: 1n, mode: 'live', typed: '42' });
    assert.equal(refused.answer.fields, undefined, 'a refused check shows nothing of the account');
    assert.match(osmpXml({ osmpTxnId: '1', result: 0, comment: '', fields: [{ name: '"><x', value: '</field1><result>0</result>' }] }), /<field1 name="&quot;&gt;&lt;x">&lt;\/field1&gt;&lt;result&gt;0&lt;\/result&gt;<\/field1>/);
  });

  it('maps each lookup result to its code', async () => {
    assert.equal(await check(found, 1000n), 0);
    assert.equal(await check({ found: false, reason: 'format' }, 1000n), 4);
    assert.equal(await check({ found: false, reason: 'not_found' }, 1000n), 5);
    assert.equal(await check({ found: false, reason: 'unavailable' }, 1000n), 243);
    assert.equal(await check({ ...found, active: false }, 1000n), 79);
    assert.equal(await check({ ...found, currency: 'EUR' }, 1000n), 7);
    assert.equal(await check({ ...found, currency: 'XXX', balanceMinor: null }, 1000n), 0, 'a currency nobody told us is not another one');
    assert.equal(await check(undefined, 1000n), 243, 'no identification in this process: cannot check now');
  });

  it('bounds the sum by the network\'s min and max', async () => {
    assert.equal(await check(found, 99n), 241);
    assert.equal(await check(found, 100n), 0);
    assert.equal(await check(found, 1_500_000n), 0);
    assert.equal(await check(found, 1_500_001n), 242);
    assert.equal(await check(found, 9999999999999999999900n), 242, 'past every max_amount');
    assert.equal(await check(found, null), 0, 'no sum: nothing to bound');
    assert.equal(await check(found, 1000n, { ...terminal, enabled: false }), 7);
  });

  it('asks identification through the network\'s channel with what was typed', async () => {
    const seen: Array<[IdentificationChannel, string]> = [];
    await runOsmp(deps(identify(found, seen)), terminal, { command: 'check', txnId: '7', account: '42', sumMinor: null, txnDate: null }, { journalId: 1n, mode: 'test', typed: 'test' });
    assert.equal(seen[0]?.[1], 'test');
    assert.equal(seen[0]?.[0].name, 'osmp');
    assert.equal(seen[0]?.[0].minAmountMinor, 100n);
  });
});

describe('OSMP repeats', () => {
  const stored = { prv_txn: 9n, sum_minor: 1045n, currency: 'RUB', txn_id: '7', payment_id: 'pay_1', account: '42', mode: 'live' as const };
  it('a repeat is the same sum, account and mode; anything else is another payment', () => {
    assert.deepEqual(repeatMismatch(stored, { account: '42', sumMinor: 1045n }, 'live'), []);
    assert.deepEqual(repeatMismatch(stored, { account: '42', sumMinor: 1046n }, 'live'), ['sum 10.46, stored 10.45']);
    assert.deepEqual(repeatMismatch(stored, { account: '43', sumMinor: 1045n }, 'live'), ['another account']);
    assert.deepEqual(repeatMismatch(stored, { account: '42', sumMinor: 1045n }, 'test'), ['mode test, stored live']);
  });
});
