/**
 * MT940/MT942 exports of banks that no earlier fixture came from, each a public sample copied byte
 * for byte into test/fixtures/bank-statements/mt940 (README there: source, commit, licence). The
 * expected values are those the source project asserts in its own tests (cited per file), or,
 * where it asserts little, read by eye from the file; where the bank's balances agree with its
 * entries, the balance equation checks every amount to the minor unit as well.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { parseStatement, type ParsedStatement } from '../../src/statements/index.js';

const MT940 = resolve(projectRoot(), 'test/fixtures/bank-statements/mt940');
const read = (name: string) => parseStatement(readFileSync(join(MT940, name)));

const signed = (l: ParsedStatement['lines'][number]) => (l.direction === 'credit' ? l.amountMinor : -l.amountMinor);
const linesOf = (p: ParsedStatement, statement: number) => p.lines.filter((l) => l.statementId === p.statementIds[statement]);
const balanceOf = (p: ParsedStatement, statement: number, kind: '60' | '62') =>
  p.balances.find((b) => b.statementId === p.statementIds[statement] && b.code.startsWith(kind));

/** Opening balance + entries = closing balance, for every statement of the file. */
function assertBalances(p: ParsedStatement): void {
  p.statementIds.forEach((id, i) => {
    const opening = balanceOf(p, i, '60');
    const closing = balanceOf(p, i, '62');
    assert.ok(opening && closing, `balances of ${id}`);
    const sum = linesOf(p, i).reduce((s, l) => s + signed(l), 0n);
    assert.equal(opening.amountMinor + sum, closing.amountMinor, `${id}: opening + entries = closing`);
  });
}

describe('MT940 :61: as real banks write it', () => {
  it('ASN Bank: an entry date of four spaces, and the payer IBAN as the owner reference (wolph/mt940 test_tags.py)', () => {
    const p = read('wolph-asnb-mt940_with_spaces_for_entry_date.sta');
    assert.deepEqual(
      p.lines.map(signed),
      [-6500n, 100000n, -80155n, -165n, 82872n, -100000n, 100018n, -90376n],
    );
    const [first] = p.lines;
    assert.ok(first);
    assert.equal(first.valueDate, '2020-01-01');
    assert.equal(first.bookingDate, '2020-01-01', 'no entry date: booked on the value date');
    assert.equal(p.lines.at(-1)?.valueDate, '2020-01-31');
    assert.equal(first.text, 'NL47INGB9999999999 hr gjlm paulissen Betaling sieraden');
    // "NL47INGB9999999999" in subfield 7 is the payer's account, not a payment reference.
    assert.deepEqual(first.references, []);
    assert.equal(balanceOf(p, p.statementIds.length - 1, '60')?.amountMinor, 40481n);
    assert.equal(balanceOf(p, p.statementIds.length - 1, '62')?.amountMinor, 50123n);
    assertBalances(p);
  });

  it('Citibank: blank entry dates, funds codes, an empty bank reference, unknown slash codes kept as text (wolph/mt940 test_processors.py)', () => {
    const p = read('wolph-citi-mt940.sta');
    assert.deepEqual(p.lines.map(signed), [-21239n, -36928n, 0n, 0n, -56108n]);
    assert.ok(p.lines.every((l) => l.valueDate === '2024-03-12' && l.currency === 'USD' && l.bankReference === null));
    assert.equal(p.lines[0]?.text, '/PT/FT/PY/SOMETHING FOO BAR 112233 123456789');
    assert.equal(balanceOf(p, 0, '60')?.amountMinor, 1737667n);
    assert.equal(balanceOf(p, 0, '62')?.amountMinor, 1623392n);
    assertBalances(p);
  });

  it('Zenith Bank: no transaction type code at all (kingsquare/php-mt940 Zetb/ParseTest.php)', () => {
    const p = read('kingsquare-zetb-sample.sta');
    assert.equal(p.lines.length, 8);
    const [first] = p.lines;
    assert.ok(first);
    assert.equal(first.direction, 'credit');
    assert.equal(first.amountMinor, 22000000n, '220000 NGN');
    assert.equal(first.bookingDate, '2020-11-30');
    assert.equal(first.bankReference, '19239782213');
    assert.deepEqual(first.references, []);
    assert.equal(balanceOf(p, 0, '60')?.date, '2020-12-18');
    assert.equal(balanceOf(p, 0, '62')?.date, '2020-11-30');
    // getDeltaPrice 3743.91: what the entries took off the account.
    assert.equal(p.lines.reduce((s, l) => s + signed(l), 0n), -374391n);
    assertBalances(p);
  });

  it('Commerzbank: a space between the amount and the type code (jejik/mt940 fixture; read by eye)', () => {
    const p = read('jejik-commerzbank.sta');
    assert.equal(p.lines.length, 1);
    const [line] = p.lines;
    assert.ok(line);
    assert.equal(line.amountMinor, 1235n);
    assert.equal(line.direction, 'debit');
    assert.equal(line.bankReference, '2016021783252833');
    assert.ok(!line.references.includes('KREF+'), 'a bare SEPA keyword is no reference');
  });

  it("ING's old format: type codes with a space (\"NOV NONREF\"), the payer's reference after it (zilverline/mt940 fixture; read by eye)", () => {
    const p = read('zilverline-ing.sta');
    assert.deepEqual(p.lines.map(signed), [-2503n, -303n, -111n, -2000n, -110n, 368n]);
    assert.deepEqual(p.lines[0]?.references, [], 'NONREF is no reference');
    assert.deepEqual(p.lines[2]?.references, ['TMG TANGO']);
    assert.equal(p.lines[0]?.text, 'RC AFREKENING BETALINGSVERKEER BETREFT REKENING 4715589 PERIODE: 01-10-2010 / 31-12-2010 ING Bank N.V. tarifering ING');
  });

  it('Sberbank (Hungary): a type code of one letter and three spaces, "S   X" (wolph/mt940 oracle)', () => {
    const p = read('wolph-sberbank-171011_01234945.sta');
    assert.deepEqual(p.lines.map(signed).slice(0, 2), [-240200n, -346000n]);
    assert.deepEqual(p.lines[0]?.references, ['X']);
    assertBalances(p);
  });

  it('ING without a remittance code: the line still parses, its account-only counterparty is no name (zilverline/mt940 mt940_ing_spec.rb)', () => {
    const p = read('zilverline-ing-cntp_without_description.sta');
    assert.equal(p.lines.length, 1);
    assert.equal(p.lines[0]?.amountMinor, 150000n);
    assert.equal(p.lines[0]?.counterparty, null);
    assertBalances(p);
  });
});

describe("Rabobank's old format (kingsquare/php-mt940 Rabo/ParseTest.php)", () => {
  const p = read('kingsquare-rabo-sample.sta');

  it('reads "." decimals, zero-padded amounts and JPY with a bare trailing "."', () => {
    assert.equal(p.statementIds.length, 39, 'testParsesAllFoundStatements: 39 statements');
    assert.equal(balanceOf(p, 0, '60')?.date, '2003-01-06');
    assert.equal(balanceOf(p, 0, '62')?.date, '2003-01-07');
    assert.equal(balanceOf(p, 38, '60')?.date, '2003-01-08');
    assert.equal(balanceOf(p, 38, '62')?.date, '2003-01-09');
    const credit = linesOf(p, 5)[0];
    assert.equal(credit?.direction, 'credit', 'testParseTransactionDebitCredit');
    assert.equal(credit?.amountMinor, 50000n, 'testParseTransactionPrice: 500');
    // By eye: ":60F:D030107JPY00000000115351." and ":61:030112C00000001560395.NMSCNONREF          YAN SO".
    const jpy = p.lines.filter((l) => l.currency === 'JPY');
    assert.deepEqual(jpy.map(signed), [1560395n, -348000n, 79734n, -138619n]);
    assert.ok(p.balances.some((b) => b.currency === 'JPY' && b.amountMinor === -115351n));
  });

  it('ends the owner reference at 16 characters: "NONREF" padded, then a name, is no reference', () => {
    const jpy = p.lines.filter((l) => l.currency === 'JPY');
    assert.ok(jpy.every((l) => l.references.length === 0), JSON.stringify(jpy.map((l) => l.references)));
    assert.equal(jpy[0]?.text, 'SEAFREIGHT DECEMBER 1999');
  });

  it('keeps every :86: of a line', () => {
    const [first, second] = linesOf(p, 4);
    assert.equal(first?.text, 'Demo gebruiker Spaarpot kantine');
    assert.deepEqual(first?.references, ['170059286']);
    assert.equal(second?.text, 'Contante storting Overige', 'testHandlingOfDescriptions');
    assert.equal(linesOf(p, 14)[3]?.text, 'INVOICE 38');
    assert.equal(linesOf(p, 15)[0]?.text, 'VOLGENS AFSPRAAK');
    assert.equal(linesOf(p, 15)[1]?.text, 'FAKTUUR 3549');
  });

  it('keeps the statements of its accounts apart, though they share :20: and :28:', () => {
    const first = p.statementIds[0] ?? '';
    assert.match(first, /0800003200000001610722 EUR/);
    assert.ok(p.accounts.length > 1);
    assert.ok(p.lines.every((l) => l.statementId?.includes(l.account ?? '\u0000')), 'each statement id names its account');
  });
});

describe('Rabobank PREF and slash codes without /REMI/ (kingsquare/php-mt940 Rabo/ParseTest.php, sample4)', () => {
  it('takes PREF for a placeholder and keeps the text of a field with no remittance code', () => {
    const p = read('kingsquare-rabo-sample4.sta');
    const [eref, pref] = p.lines;
    assert.equal(eref?.text, '20151208123123987 0030001100999991 Rabobank.nl - Order 347347', 'testHandlingOfEREF');
    assert.equal(eref?.counterparty, 'Rabobank RCKV');
    assert.ok(pref?.text.includes('PmtInfId-20151208-987'), `testHandlingOfPREF: ${pref?.text}`);
    assert.ok(!pref?.references.includes('PREF'), 'PREF in :61: means "see :86:", like EREF');
    assert.deepEqual(pref?.references, ['PmtInfId-20151208-987']);
  });
});

describe('mBank (ksdev-pl/mbank-mt940-parser Mt940ParserTest.php)', () => {
  it('reads windows-1250, and the eight accounts of one file as eight statements with their own lines', () => {
    const p = read('ksdev-mbank-multiple_accounts.sta');
    assert.equal(p.statementIds.length, 8, 'every account its own statement, though all are ":20:ST071023CYC/1 :28C:11/1"');
    assert.equal(p.accounts.length, 8);
    const s0 = linesOf(p, 0);
    assert.ok(s0.every((l) => l.account === 'PL46114010100000579009004001'));
    assert.equal(balanceOf(p, 0, '60')?.amountMinor, 898599577225n);
    assert.equal(balanceOf(p, 0, '62')?.amountMinor, 898799903037n);
    assert.equal(s0[0]?.amountMinor, 662n);
    assert.equal(s0[0]?.direction, 'debit');
    assert.equal(s0[0]?.text, '843 OPŁATA POCZTOWA: NORM; TNR: 145411008025459.000001');
    assert.equal(s0[37]?.amountMinor, 12000n);
    assert.equal(s0[37]?.text, '794 OPŁATY GRUPOWE; TNR: 145420004413026.000003');
    const s6 = linesOf(p, 6);
    assert.ok(s6.every((l) => l.account === 'PL82114010100000579009005002' && l.currency === 'EUR'));
    assert.equal(balanceOf(p, 6, '60')?.amountMinor, -95945n);
    assert.equal(balanceOf(p, 6, '62')?.amountMinor, -49289n);
    assert.equal(s6[0]?.amountMinor, 221n);
    assert.equal(s6[0]?.direction, 'credit');
    assert.equal(
      s6[0]?.text,
      '973 IBRE PRZELEW WEWNĘTRZNY; Z RACH.: 46114010100000579009004001; OD: KLIENT TESTOWY SP. Z O.O. WARSZAWA, UL. SENATORSKA 18; TYT.: ZWROT NADPŁATY ZA F-RĘ 30/2006; TNR: 145411008036753.010002',
    );
    assert.equal(s6[6]?.amountMinor, 127n);
    assert.equal(balanceOf(p, 7, '60')?.amountMinor, 14446n);
    assertBalances(p);
  });

  it('reads the Polish letters of a windows-1250 IPH statement', () => {
    const p = read('ksdev-mbank-iph.sta');
    assert.equal(p.lines[0]?.amountMinor, 697918n);
    assert.equal(
      p.lines[0]?.text,
      '911 TRANSAKCJA IPH; ID IPH: XX000000000014; Z RACH.: 04105014611000002345271577; OD: GWARANT-CYNKOWANIE SPÓŁKA Z O.O. UL.CIEPŁOWNICZA 27 98-300 WIELUŃ; TYT.: 210F1163; DATA STEMPLA: 02.06.2010; TNR: 154961063737599.110001',
    );
    assert.equal(p.lines[23]?.amountMinor, 1500n);
    assert.equal(p.lines[23]?.text, '794 OPŁATY GRUPOWE; TNR: 154960005384269.330001');
  });
});

describe('MT942 interim reports (wolph/mt940 mBank samples)', () => {
  it('reads them like MT940, reports them as mt942, and their entries carry the bank references of the day’s MT940', () => {
    const interim = read('wolph-mbank-mt942.sta');
    const day = read('wolph-mbank-mt940.sta');
    assert.equal(interim.format, 'mt942');
    assert.equal(day.format, 'mt940');
    assert.equal(interim.lines.length, 3);
    assert.ok(interim.lines.every((l) => l.status === 'booked' && l.direction === 'credit' && l.currency === 'PLN' && l.amountMinor === 1n));
    // :90C:3PLN0,03 — the report's own count and sum of its credits.
    assert.equal(interim.lines.reduce((s, l) => s + l.amountMinor, 0n), 3n);
    assert.deepEqual(
      interim.lines.map((l) => [l.bankReference, l.amountMinor]),
      day.lines.map((l) => [l.bankReference, l.amountMinor]),
    );
  });

  it('takes the currency from the floor limit (:34F:)', () => {
    const p = read('wolph-self-provided-mt942.sta');
    assert.equal(p.format, 'mt942');
    assert.deepEqual(p.lines.map((l) => [l.currency, signed(l)]), [['EUR', -42n]]);
  });
});
