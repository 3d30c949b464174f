/**
 * Variants no public sample shows on its own, built here: each is a few lines of a statement as
 * the bank writes it (the SWIFT handbook field, the code page, the camt element), so a test pins
 * one rule. The public files are in statements-mt940-banks.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidReference } from '../../src/domain/reference.js';
import { StatementParseError, extractReferences, parseStatement, type CsvColumnMap } from '../../src/statements/index.js';

const REF_A = '6470254683';
const REF_B = '7319042568';
// A Dutch IBAN whose ten-digit account number happens to pass the Tollgate check digit.
const IBAN_WITH_REF_SHAPE = `NL36INGB${REF_A}`;

/** One :61:/:86: pair in a minimal MT940. */
function mt940(line61: string, details: string[] = []): string {
  return [':20:STMT', ':25:NL91ABNA0417164300', ':28C:1/1', ':60F:C240401EUR0,00', `:61:${line61}`, ...details, ':62F:C240401EUR0,00', '-'].join('\r\n');
}
const only = (text: string | Buffer) => {
  const [line, ...rest] = parseStatement(text).lines;
  assert.ok(line);
  assert.equal(rest.length, 0);
  return line;
};

describe('MT940 :61: subfields 6–8 (type code, owner reference, bank reference)', () => {
  it('reads NONREF straight after the amount as the reference, not as type "NONR" and reference "EF"', () => {
    const line = only(mt940('240401C10,00NONREF//BANK-1'));
    assert.equal(line.amountMinor, 1000n);
    assert.deepEqual(line.references, []);
    assert.equal(line.bankReference, 'BANK-1');
  });

  it('reads a D/C mark written in lower case (ABN AMRO examples: "0514d1,01")', () => {
    const line = only(mt940('2405120514d1,01N946NONREF'));
    assert.equal(line.direction, 'debit');
    assert.equal(line.amountMinor, 101n);
    assert.equal(line.bookingDate, '2024-05-14');
  });

  it('ends the owner reference at 16 characters (16x); the rest is supplementary detail', () => {
    const line = only(mt940(`240401C10,00NTRF${REF_B}123456OVERFLOW`));
    assert.deepEqual(line.references, [`${REF_B}123456`]);
  });

  it('takes PREF for a placeholder like NONREF and EREF', () => {
    for (const placeholder of ['PREF', 'EREF', 'NONREF']) {
      assert.deepEqual(only(mt940(`240401C10,00N586${placeholder}//B1`, [':86:/PREF/PmtInfId-1'])).references, ['PmtInfId-1'], placeholder);
    }
  });

  it('still names the line of a :61: without a D/C mark or an amount, and of a month 13', () => {
    for (const bad of ['240401X10,00NTRFNONREF', '240401CNTRFNONREF', '241301C10,00NTRFNONREF']) {
      assert.throws(
        () => parseStatement(mt940(bad)),
        (err: unknown) => err instanceof StatementParseError && err.where === 'line 5',
        bad,
      );
    }
  });

  it('refuses a :61: with no currency before it (neither :60F: nor :34F:)', () => {
    const text = [':20:X', ':25:A', ':28C:1', ':61:240401C1,00NTRFNONREF', '-'].join('\n');
    assert.throws(() => parseStatement(text, { format: 'mt940' }), (err: unknown) => err instanceof StatementParseError && /floor limit/.test(err.reason));
  });
});

describe('MT940 :86: (information to account owner)', () => {
  it('keeps every :86: of one line, each read in its own style', () => {
    const line = only(mt940('240401C10,00NTRFNONREF', [':86:JAN KOWALSKI', `:86:/EREF/${REF_A}/REMI/Abonament kwiecien`]));
    assert.equal(line.text, 'JAN KOWALSKI Abonament kwiecien');
    assert.deepEqual(line.references, [REF_A]);
  });

  it("keeps the text and ING's counterparty of a slash-coded field with no /REMI/", () => {
    const line = only(mt940('240401C10,00NTRFNONREF', [':86:/CNTP/NL21RABO0999999999/RABONL2U/G-AAAAA N.V./WESTBEEK//PURP//CD/OTHR/']));
    assert.equal(line.counterparty, 'G-AAAAA N.V.');
    assert.match(line.text, /G-AAAAA N\.V\./);
  });
});

describe('IBANs are accounts, not references', () => {
  it('never takes the account part of an IBAN for a Tollgate reference', () => {
    assert.ok(isValidReference(REF_A));
    assert.deepEqual(extractReferences({ text: `REK: ${IBAN_WITH_REF_SHAPE}/NAAM: J. JANSEN` }), []);
    assert.deepEqual(extractReferences({ text: `/IBAN/${IBAN_WITH_REF_SHAPE}/REMI/factuur ${REF_B}` }), [REF_B]);
    // The same ten digits written on their own are one.
    assert.deepEqual(extractReferences({ text: `factuur ${REF_A}` }), [REF_A]);
  });

  it('does not take an IBAN in the :61: owner reference or the :86: for a reference', () => {
    const line = only(mt940(`240401C10,00NTRF${IBAN_WITH_REF_SHAPE}`, [`:86:${IBAN_WITH_REF_SHAPE} J. JANSEN`]));
    assert.deepEqual(line.references, []);
  });
});

describe('code pages of MT940 and CSV files', () => {
  const CSV: CsvColumnMap = { amount: 'Kwota', date: 'Data', text: 'Tytuł', defaultCurrency: 'PLN', delimiter: ';', decimalSeparator: ',' };

  it('reads a windows-1250 CSV', () => {
    // "Tytuł;Kwota;Data\nOpłata za internet – Poznań;150,00;2024-04-03\n" encoded in windows-1250.
    const bytes = Buffer.from(
      '54797475b33b4b776f74613b446174610a4f70b3617461207a6120696e7465726e6574209620506f7a6e61f13b3135302c30303b323032342d30342d30330a',
      'hex',
    );
    const [line] = parseStatement(bytes, { format: 'csv', csv: CSV }).lines;
    assert.equal(line?.text, 'Opłata za internet – Poznań');
    assert.equal(line?.amountMinor, 15000n);
  });

  it('reads a CP852 (DOS Latin-2) MT940, which no public sample shows', () => {
    // "Zapłata za żółć ŚWIATŁOWODU" encoded in CP852 (bytes from Python's cp852 codec).
    const title = Buffer.from('5a617088617461207a6120bea288862097574941549d4f574f4455', 'hex');
    const [head = '', tail = ''] = mt940('240401C10,00NTRFNONREF', [':86:@']).split('@');
    const line = only(Buffer.concat([Buffer.from(head), title, Buffer.from(tail)]));
    assert.equal(line.text, 'Zapłata za żółć ŚWIATŁOWODU');
    assert.equal(line.amountMinor, 1000n);
  });

  it('still reads windows-1252 when nothing says otherwise, and the named code page when one is given', () => {
    const bytes = Buffer.from(mt940('240401C10,00NTRFNONREF', [':86:Zahlung f\xfcr M\xe4rz']), 'latin1');
    assert.equal(parseStatement(bytes).lines[0]?.text, 'Zahlung für März');
    assert.equal(parseStatement(bytes, { encoding: 'windows-1250' }).lines[0]?.text, 'Zahlung für März');
    const czech = Buffer.from(mt940('240401C10,00NTRFNONREF', [':86:Platba za \xe8erven']), 'latin1');
    assert.equal(parseStatement(czech, { encoding: 'windows-1250' }).lines[0]?.text, 'Platba za červen');
  });
});

describe('camt Ustrd pieces', () => {
  it('finds a reference a bank cut across two Ustrd pieces, and keeps the words apart', () => {
    const camt = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-04-01T10:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
    <Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-04-01</Dt></BookgDt>
      <NtryDtls><TxDtls><RmtInf><Ustrd>Abonnement April Kundennummer ${REF_A.slice(0, 5)}</Ustrd><Ustrd>${REF_A.slice(5)} danke</Ustrd></RmtInf></TxDtls></NtryDtls>
    </Ntry>
  </Stmt></BkToCstmrStmt></Document>`;
    const line = only(camt);
    assert.deepEqual(line.references, [REF_A]);
    assert.equal(line.text, `Abonnement April Kundennummer ${REF_A.slice(0, 5)} ${REF_A.slice(5)} danke`);
    assert.equal(line.account, 'DE89370400440532013000');
  });
});
