/**
 * The payer's account as each format gives it (bank_lines.counterparty_account): where a person
 * pays a bank transfer's refund back to. camt and MT940 from the project's fixtures where they carry
 * one, the other styles written after the banks' layouts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { parseStatement } from '../../src/statements/index.js';

const fixture = (path: string) => readFileSync(join(projectRoot(), 'test/fixtures/bank-statements', path));

const mt940 = (details: string[]) =>
  [':20:X', ':25:PL1', ':28C:1/1', ':60F:C240401PLN0,00', ':61:240401C1,00S02000000000000//B1', ...details, '-'].join('\n');

describe("a statement line's counterparty account", () => {
  it("camt: the debtor's account of a credit (DbtrAcct/Id/IBAN)", () => {
    const lines = parseStatement(fixture('camt/genkgo-camt053.v2.minimal.xml')).lines;
    assert.ok(lines.some((l) => l.direction === 'credit' && l.counterpartyAccount === 'NL56AGDH9619008421'), JSON.stringify(lines.map((l) => l.counterpartyAccount)));
  });

  it('MT940, German ?31 (a sub-field that may break across lines)', () => {
    const lines = parseStatement(fixture('mt940/wolph-betterplace-sepa_mt9401.sta')).lines;
    assert.ok(lines.some((l) => l.counterpartyAccount === 'DE42100100100043921105'), JSON.stringify(lines.map((l) => l.counterpartyAccount)));
  });

  it('MT940, Polish ~38 (the IBAN) before ~31 (the account number)', () => {
    const withIban = parseStatement(mt940([':86:020~00VE02~20Opłata za internet~3010205558~311111166666666666~32JAN KOWALSKI~38PL27102055581111166666666666']));
    assert.equal(withIban.lines[0]?.counterpartyAccount, 'PL27102055581111166666666666');
    const numberOnly = parseStatement(mt940([':86:073<00OPLATA<20Oplata<3011402004<310000350212345678']));
    assert.equal(numberOnly.lines[0]?.counterpartyAccount, '0000350212345678');
  });

  it("MT940, ING's /CNTP/account/BIC/name/ and a slash-coded /IBAN/", () => {
    const ing = parseStatement(mt940([':86:/CNTP/NL21RABO0999999999/RABONL2U/G-AAAAA N.V./WESTBEEK//REMI/USTD//x/']));
    assert.deepEqual([ing.lines[0]?.counterparty, ing.lines[0]?.counterpartyAccount], ['G-AAAAA N.V.', 'NL21RABO0999999999']);
    const iban = parseStatement(mt940([':86:/EREF/X1/IBAN/NL91ABNA0417164300/NAME/JAN/REMI/abo']));
    assert.equal(iban.lines[0]?.counterpartyAccount, 'NL91ABNA0417164300');
  });

  it('CSV: a mapped column, without the spaces an IBAN is grouped with; none without the column or a text', () => {
    const csv = 'Amount,Name,Account\n10.00,Jan Kowalski,NL91 ABNA 0417 1643 00\n5.00,Anna,\n';
    const parsed = parseStatement(csv, { csv: { amount: 'Amount', counterparty: 'Name', counterpartyAccount: 'Account', defaultCurrency: 'EUR' } });
    assert.deepEqual(parsed.lines.map((l) => l.counterpartyAccount), ['NL91ABNA0417164300', null]);
    assert.equal(parseStatement(mt940([':86:just words'])).lines[0]?.counterpartyAccount, null);
  });
});
