/**
 * Polish MT940 :86: sub-fields: "~NN" (PKO BP and most banks) and "<NN" (mBank, Millennium). The
 * statements are written after the banks' published layouts; titles are cut into 27-character
 * slices as the banks do, and physical lines break inside sub-fields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidReference } from '../../src/domain/reference.js';
import { parseStatement } from '../../src/statements/index.js';

// Valid Tollgate references (ten digits, mod-11 check digit).
const REF_A = '6470254683';
const REF_B = '7319042568';
const REF_C = '5821160944';

const PKO = [
  ':20:ST240403',
  ':25:/PL27102055581111166666666666',
  ':28C:00064/1',
  ':60F:C240402PLN10000,00',
  ':61:2404030403CN150,00S02000000000000//7010400001234567',
  `:86:020~00VE02~20Opłata za internet~21ref ${REF_A}~22~23~24~25~3010205558~311111166666666666~32JAN KOWALSKI~33UL. DLUGA 1~38PL27102055581111166666666666`,
  ':61:2404030403CN89,99S02000000000000//7010400001234568',
  // The title was cut after 27 characters, inside "kwiecien"; the line breaks inside the reference.
  ':86:020~00VE02~20Abonament internetowy kwiec~21ien 2024 ref 73190',
  '42568~22~23~24~25~3010901056~310000123456789012~32ANNA NOWAK~33OS. KWIATOWE 7/12~38PL61109010560000123456789012',
  ':61:2404030403DN1230,00S07300000000000//7010400001234569',
  // A name longer than its 27-character sub-field runs on into ~33.
  ':86:073~00VE01~20Faktura FV/2024/03/118 uslu~21gi transmisji danych~22~23~24~25~3010501012~310000777788889999',
  '~32PRZEDSIEBIORSTWO TELEKOMUNI~33KACYJNE SIEC SP. Z O.O.~38PL55105010120000777788889999',
  ':62F:C240403PLN9009,99',
  '-',
].join('\r\n');

const MBANK = [
  ':20:MT940',
  ':25:/PL61114020040000350212345678',
  ':28C:00087/1',
  ':60F:C240402PLN2500,00',
  ':61:2404020402C49,00S02000000000000//MB240402A001',
  // mBank leaves <32 empty and names the payer in <27, with the address in <28/<29; a line breaks between "<2" and "7".
  `:86:020<00PRZELEW ZEWNETRZNY PRZYCHODZACY<20Abonament<21 ${REF_C}<2`,
  '7JAN KOWALSKI<28UL. DLUGA 1<2900-001 WARSZAWA<3010205558<311111166666666666<38PL27102055581111166666666666',
  ':61:2404020402D12,30S07300000000000//MB240402A002',
  ':86:073<00OPLATA<20Oplata za prowadzenie rachu<21nku 04/2024<3011402004<310000350212345678',
  ':62F:C240402PLN2536,70',
  '-',
].join('\n');

/** One :61:/:86: pair in an otherwise minimal statement. */
function single(details: string[]): string {
  return [':20:X', ':25:PL1', ':28C:1/1', ':60F:C240401PLN0,00', ':61:240401C1,00S02000000000000//B1', ...details, '-'].join('\n');
}

describe('MT940 with Polish ~ sub-fields (PKO BP)', () => {
  it('splits title, counterparty and accounts, and finds the reference only in the title', () => {
    for (const ref of [REF_A, REF_B, REF_C]) assert.ok(isValidReference(ref), ref);
    const parsed = parseStatement(PKO);
    assert.equal(parsed.format, 'mt940');
    assert.deepEqual(parsed.accounts, ['/PL27102055581111166666666666']);
    assert.deepEqual(
      parsed.lines.map((l) => [l.amountMinor, l.currency, l.direction, l.bankReference, l.text, l.counterparty, l.references]),
      [
        [15000n, 'PLN', 'credit', '7010400001234567', `Opłata za internet ref ${REF_A}`, 'JAN KOWALSKI', [REF_A]],
        [8999n, 'PLN', 'credit', '7010400001234568', `Abonament internetowy kwiecien 2024 ref ${REF_B}`, 'ANNA NOWAK', [REF_B]],
        [123000n, 'PLN', 'debit', '7010400001234569', 'Faktura FV/2024/03/118 uslugi transmisji danych', 'PRZEDSIEBIORSTWO TELEKOMUNIKACYJNE SIEC SP. Z O.O.', []],
      ],
    );
    assert.deepEqual(parsed.balances.map((b) => [b.code, b.amountMinor]), [['60F', 1000000n], ['62F', 900999n]]);
  });

  it('never takes the all-zeros customer reference as a reference', () => {
    for (const line of parseStatement(PKO).lines) assert.ok(!line.references.some((r) => /^0+$/.test(r)), line.references.join(', '));
    assert.deepEqual(parseStatement(single([':86:Wplata'])).lines[0]?.references, []);
  });

  it('keeps a street out of a long name, and reads the further title sub-fields ~60–~63', () => {
    const [line] = parseStatement(
      single([`:86:020~00VE02~20Abonament~60ref ${REF_A}~32PRZEDSIEBIORSTWO HANDLOWE ABC~33UL. DLUGA 1~38PL1`]),
    ).lines;
    assert.equal(line?.counterparty, 'PRZEDSIEBIORSTWO HANDLOWE ABC');
    assert.equal(line?.text, `Abonament ref ${REF_A}`);
    assert.deepEqual(line?.references, [REF_A]);
  });
});

describe('MT940 with Polish < sub-fields (mBank)', () => {
  it('splits title and counterparty, and leaves sort code, account and IBAN out', () => {
    const parsed = parseStatement(MBANK);
    assert.equal(parsed.format, 'mt940');
    assert.deepEqual(
      parsed.lines.map((l) => [l.amountMinor, l.direction, l.bankReference, l.text, l.counterparty, l.references]),
      [
        [4900n, 'credit', 'MB240402A001', `Abonament ${REF_C}`, 'JAN KOWALSKI', [REF_C]],
        [1230n, 'debit', 'MB240402A002', 'Oplata za prowadzenie rachunku 04/2024', null, []],
      ],
    );
  });
});

describe('MT940 free text with ~ or <', () => {
  const cases: Array<[string, string[], string]> = [
    ['a ~ inside the text', [`:86:Zwrot nadplaty ~20 zl ref ${REF_A}`], `Zwrot nadplaty ~20 zl ref ${REF_A}`],
    ['four digits before the ~', [':86:2024~04 abonament', ` ref ${REF_A}`], `2024~04 abonament ref ${REF_A}`],
    ['a < after words', [`:86:PRZELEW <20 ZL> ${REF_A}`], `PRZELEW <20 ZL> ${REF_A}`],
  ];
  for (const [name, details, text] of cases) {
    it(`stays free text: ${name}`, () => {
      const [line] = parseStatement(single(details)).lines;
      assert.equal(line?.text, text);
      assert.equal(line?.counterparty, null);
      assert.deepEqual(line?.references, [REF_A]);
    });
  }
});
