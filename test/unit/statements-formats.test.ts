import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/domain/errors.js';
import { StatementParseError, detectFormat, parseStatement, type CsvColumnMap } from '../../src/statements/index.js';

// Valid Tollgate references (ten digits, mod-11 check digit).
const REF_A = '1000000028';
const REF_B = '1000000036';
const REF_C = '1000000044';

function camt054(entries: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>N-1</MsgId><CreDtTm>2024-03-01T10:00:00+01:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-1</Id>
      <Acct><Id><IBAN>CZ6508000000192000145399</IBAN></Id></Acct>
      ${entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>`;
}

function entry(inner: { amt?: string; cdi?: string; sts?: string; rvsl?: string; details?: string; extra?: string }): string {
  return `<Ntry>
    ${inner.amt ?? '<Amt Ccy="CZK">1500.00</Amt>'}
    <CdtDbtInd>${inner.cdi ?? 'CRDT'}</CdtDbtInd>
    ${inner.rvsl ? `<RvslInd>${inner.rvsl}</RvslInd>` : ''}
    <Sts><Cd>${inner.sts ?? 'BOOK'}</Cd></Sts>
    <BookgDt><DtTm>2024-03-01T09:30:00+01:00</DtTm></BookgDt>
    <ValDt><Dt>2024-03-01</Dt></ValDt>
    <AcctSvcrRef>BANK-ENTRY-1</AcctSvcrRef>
    ${inner.extra ?? ''}
    ${inner.details ?? ''}
  </Ntry>`;
}

const BATCH = entry({
  details: `<NtryDtls>
    <TxDtls>
      <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <Amt Ccy="CZK">500.00</Amt>
      <RltdPties><Dbtr><Pty><Nm>Jana   Nováková</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Ustrd>Platba VS:${REF_A} za internet</Ustrd></RmtInf>
    </TxDtls>
    <TxDtls>
      <Refs><AcctSvcrRef>BANK-TX-2</AcctSvcrRef><EndToEndId>E2E-2</EndToEndId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="CZK">700.5</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Pty><Nm>Petr Svoboda</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Strd><CdtrRefInf><Ref>${REF_B}</Ref></CdtrRefInf></Strd></RmtInf>
    </TxDtls>
    <TxDtls>
      <Amt Ccy="CZK">299.50</Amt>
      <RmtInf><Ustrd>faktura /VS/${REF_C}</Ustrd></RmtInf>
      <AddtlTxInf>SEPA credit</AddtlTxInf>
    </TxDtls>
  </NtryDtls>`,
  extra: '<AddtlNtryInf>Batch booking</AddtlNtryInf>',
});

function whereOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatementParseError, `a StatementParseError, not ${String(err)}`);
    return err.where;
  }
  assert.fail('expected a StatementParseError');
}

describe('camt.054 batches', () => {
  it('splits an entry into one line per TxDtls with its own amount, references and payer', () => {
    const parsed = parseStatement(camt054(BATCH));
    assert.equal(parsed.format, 'camt.054');
    assert.deepEqual(parsed.accounts, ['CZ6508000000192000145399']);
    assert.deepEqual(parsed.statementIds, ['NTF-1']);
    assert.deepEqual(
      parsed.lines.map((l) => [l.index, l.batchIndex, l.amountMinor, l.currency, l.bankReference, l.counterparty]),
      [
        [0, 0, 50000n, 'CZK', 'BANK-ENTRY-1', 'Jana Nováková'],
        [1, 1, 70050n, 'CZK', 'BANK-TX-2', 'Petr Svoboda'],
        [2, 2, 29950n, 'CZK', 'BANK-ENTRY-1', null],
      ],
    );
    assert.deepEqual(parsed.lines[0]?.references, [REF_A], 'NOTPROVIDED is no reference');
    assert.deepEqual(parsed.lines[1]?.references, [REF_B, 'E2E-2']);
    assert.deepEqual(parsed.lines[2]?.references, [REF_C]);
    assert.equal(parsed.lines[2]?.text, `faktura /VS/${REF_C} SEPA credit Batch booking`);
    for (const line of parsed.lines) {
      assert.equal(line.bookingDate, '2024-03-01', 'the date the bank wrote, not shifted to UTC');
      assert.equal(line.valueDate, '2024-03-01');
      assert.equal(line.direction, 'credit');
      assert.equal(line.status, 'booked');
    }
  });

  it('keeps a batch whole when its transactions carry no amounts of their own', () => {
    const details = `<NtryDtls><TxDtls><Refs><EndToEndId>A-1</EndToEndId></Refs></TxDtls><TxDtls><Refs><EndToEndId>A-2</EndToEndId></Refs></TxDtls></NtryDtls>`;
    const parsed = parseStatement(camt054(entry({ details })));
    assert.equal(parsed.lines.length, 1);
    assert.equal(parsed.lines[0]?.amountMinor, 150000n);
    assert.equal(parsed.lines[0]?.batchIndex, null);
    assert.deepEqual(parsed.lines[0]?.references, ['A-1', 'A-2']);
  });
});

describe('booked, pending and reversed entries', () => {
  it('reports status and reversal as the bank states them', () => {
    const parsed = parseStatement(
      camt054(
        [
          entry({ sts: 'BOOK' }),
          entry({ sts: 'PDNG' }),
          entry({ sts: 'INFO' }),
          entry({ cdi: 'DBIT', rvsl: 'true' }),
        ].join('\n'),
      ),
    );
    assert.deepEqual(
      parsed.lines.map((l) => [l.status, l.direction, l.reversal]),
      [
        ['booked', 'credit', false],
        ['pending', 'credit', false],
        ['other', 'credit', false],
        ['booked', 'debit', true],
      ],
    );
  });

  it('reads v2 status text and MT940 RC/RD marks', () => {
    const v2 = camt054(entry({})).replace('camt.054.001.08', 'camt.054.001.02').replace('<Sts><Cd>BOOK</Cd></Sts>', '<Sts>PDNG</Sts>');
    assert.equal(parseStatement(v2).lines[0]?.status, 'pending');
    const mt940 = [':20:REV', ':25:DE12', ':28C:1/1', ':60F:C240301EUR100,00', ':61:2403010301RCR5,00NTRFNONREF', ':61:240301RD6,00NTRFNONREF', ':62F:C240301EUR101,00', '-'].join('\n');
    assert.deepEqual(
      parseStatement(mt940).lines.map((l) => [l.direction, l.reversal, l.status, l.amountMinor]),
      [
        ['debit', true, 'booked', 500n],
        ['credit', true, 'booked', 600n],
      ],
    );
  });
});

describe('camt entries parsed one at a time', () => {
  // A processing instruction inside the root (which the parser then ignores) makes parseCamt read
  // the document as one tree. (A DOCTYPE did too, before DOCTYPEs were refused.)
  const whole = (doc: string) => doc.replace(/(<\/(?:ns2:)?Document>)/, '<?tollgate whole?>$1');
  const outcome = (doc: string) => {
    try {
      return parseStatement(doc);
    } catch (err) {
      return err instanceof StatementParseError ? `${err.message} @ ${err.where}` : err;
    }
  };
  const prefixed = (doc: string) =>
    doc.replace(/<(\/?)([A-Z])/g, '<$1ns2:$2').replace('<ns2:Document xmlns=', '<ns2:Document xmlns:ns2=');

  it('reads every entry as the whole document does, whatever markup surrounds them', () => {
    const second = entry({ amt: '<Amt Ccy="CZK">2.00</Amt>', cdi: 'DBIT', extra: '<AddtlNtryInf><![CDATA[a <Ntry> & </Ntry>]]> b &amp; c</AddtlNtryInf>' });
    const docs = [
      camt054(BATCH + second),
      prefixed(camt054(BATCH + second)),
      camt054(`<!-- <Ntry><Amt Ccy="CZK">9.00</Amt></Ntry> <Ntry> -->${BATCH}<![CDATA[<Ntry>]]>${second}`).replace(/\n/g, '\r\n'),
      camt054(BATCH.replace('<Ntry>', '<Ntry a="x>y" b=\'/>\'>') + second.replace('<Ntry>', '<Ntry\n>')),
      camt054(BATCH + second.replace('2.00', '2.001')),
      camt054(`${BATCH}<Ntry/>`),
    ];
    for (const doc of docs) assert.deepEqual(outcome(doc), outcome(whole(doc)));
  });

  it('names entries by their place in the document', () => {
    const ok = '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>';
    const doc = prefixed(
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>' +
        `<Stmt><Id>S1</Id>${ok}</Stmt><!-- ${ok} --><Stmt><Id>S2</Id>${ok}<!-- ${ok} -->${ok.replace(' Ccy="EUR"', '')}</Stmt>` +
        '</BkToCstmrStmt></Document>',
    );
    assert.equal(whereOf(() => parseStatement(doc)), 'Document/BkToCstmrStmt/Stmt[2]/Ntry[2]/Amt/@Ccy');
    assert.equal(whereOf(() => parseStatement(whole(doc))), 'Document/BkToCstmrStmt/Stmt[2]/Ntry[2]/Amt/@Ccy');
  });
});

describe('MT940', () => {
  it('reads SWIFT envelopes, structured :86: and references in the purpose', () => {
    const text = [
      '{1:F01DEUTDEFFAXXX0000000000}{2:O9401200240301DEUTDEFFAXXX00000000002403011200N}{4:',
      ':20:STMT-1',
      ':25:DE89370400440532013000',
      ':28C:42/1',
      ':60F:C240229EUR1000,00',
      ':61:2403010301CR25,00NTRFNONREF//BANK-7',
      `:86:166?00GUTSCHRIFT?20EREF+${REF_A}?21SVWZ+Abo Maerz VS 123456?22`,
      ' Danke?32Max Mustermann',
      ':62F:C240301EUR1025,00',
      '-}',
    ].join('\r\n');
    assert.equal(detectFormat(text), 'mt940');
    const [line] = parseStatement(text).lines;
    assert.ok(line);
    assert.equal(line.bankReference, 'BANK-7');
    assert.equal(line.bookingDate, '2024-03-01');
    assert.equal(line.valueDate, '2024-03-01');
    assert.equal(line.amountMinor, 2500n);
    assert.deepEqual(line.references, [REF_A, '123456']);
    assert.equal(line.counterparty, 'Max Mustermann');
    assert.equal(line.text, 'Abo Maerz VS 123456 Danke');
  });

  it('reads windows-1252 bytes and books a December value date into the next year', () => {
    const text = ':20:X\n:25:AT1\n:28C:1\n:60F:C231231EUR0,\n:61:2312310102C1,NTRFNONREF\n:86:Zahlung f\xfcr Januar\n-';
    const parsed = parseStatement(Buffer.from(text, 'latin1'));
    assert.equal(parsed.lines[0]?.text, 'Zahlung für Januar');
    assert.equal(parsed.lines[0]?.valueDate, '2023-12-31');
    assert.equal(parsed.lines[0]?.bookingDate, '2024-01-02');
  });
});

const CSV_MAP: CsvColumnMap = {
  amount: 'Částka',
  currency: 'Měna',
  date: 'Datum',
  reference: 'VS',
  text: 'Zpráva',
  counterparty: 'Protiúčet',
  bankReference: 'ID pohybu',
  delimiter: ';',
  decimalSeparator: ',',
  groupSeparator: ' ',
};

describe('CSV', () => {
  const csv = [
    'ID pohybu;Datum;Částka;Měna;Protiúčet;VS;Zpráva',
    `1001;01.03.2024;1 500,00;CZK;"Novák; Jan";${REF_A};"Platba za ""internet"""`,
    `1002;2024-03-02;-250,5;CZK;Dodavatel s.r.o.;;"faktura`,
    `víceřádková ref:20240302-12345"`,
    '',
    `1003;03.03.2024;99,90;;;;platba VS ${REF_B}`,
  ].join('\r\n');

  it('maps columns, quotes, comma decimals and debits by sign', () => {
    const parsed = parseStatement(csv, { format: 'csv', csv: { ...CSV_MAP, defaultCurrency: 'CZK' }, patterns: [/ref[: ](\d{8}-\d{4,6})/i] });
    assert.equal(parsed.format, 'csv');
    assert.deepEqual(
      parsed.lines.map((l) => [l.bankReference, l.bookingDate, l.amountMinor, l.currency, l.direction, l.status, l.counterparty, l.references]),
      [
        ['1001', '2024-03-01', 150000n, 'CZK', 'credit', 'booked', 'Novák; Jan', [REF_A]],
        ['1002', '2024-03-02', 25050n, 'CZK', 'debit', 'booked', 'Dodavatel s.r.o.', ['20240302-12345']],
        ['1003', '2024-03-03', 9990n, 'CZK', 'credit', 'booked', null, [REF_B]],
      ],
    );
    assert.equal(parsed.lines[0]?.text, 'Platba za "internet"');
  });

  it('is read as CSV when a column map is given and nothing else is recognised', () => {
    const parsed = parseStatement('Amount\n1.00\n', { csv: { amount: 'Amount', defaultCurrency: 'EUR' } });
    assert.equal(parsed.format, 'csv');
    assert.equal(parsed.lines[0]?.statementId, null);
  });

  it('uses a global caller pattern from its start, however it was used before', () => {
    const pattern = /ref (\d+)/gi;
    pattern.lastIndex = 7;
    const parsed = parseStatement('Amount,Text\n1.00,ref 12 and REF 34\n', { csv: { amount: 'Amount', text: 'Text', defaultCurrency: 'EUR' }, patterns: [pattern] });
    assert.deepEqual(parsed.lines[0]?.references, ['12', '34']);
  });

  it('takes the direction from a column when mapped', () => {
    const text = 'Amount,Type,Currency\n10.00,CRDT,EUR\n12.00,D,EUR\n-3.00,debit,EUR\n';
    const parsed = parseStatement(text, { format: 'csv', csv: { amount: 'Amount', direction: 'Type', currency: 'Currency' } });
    assert.deepEqual(parsed.lines.map((l) => [l.direction, l.amountMinor]), [['credit', 1000n], ['debit', 1200n], ['debit', 300n]]);
  });

  it('names the missing column and the line of a bad amount (counting lines inside quotes)', () => {
    assert.throws(
      () => parseStatement(csv, { format: 'csv', csv: { ...CSV_MAP, text: 'Poznámka' } }),
      (err: unknown) => err instanceof StatementParseError && err.where === 'line 1' && err.message.includes('"Poznámka"'),
    );
    const bad = csv.replace('99,90', '99.90.1');
    assert.equal(whereOf(() => parseStatement(bad, { format: 'csv', csv: { ...CSV_MAP, defaultCurrency: 'CZK' } })), 'line 6');
    assert.equal(whereOf(() => parseStatement(csv, { format: 'csv', csv: CSV_MAP })), 'line 6', 'no currency and no default');
    assert.equal(whereOf(() => parseStatement('a,b\n"open,1', { format: 'csv', csv: { amount: 'a' } })), 'line 2');
    assert.equal(whereOf(() => parseStatement(csv, { format: 'csv' })), 'options.csv');
  });
});

describe('detectFormat', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['camt.053', '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt/></Document>', 'camt.053'],
    ['camt.054', camt054(''), 'camt.054'],
    ['prefixed camt.054', '<n:Document xmlns:n="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><n:BkToCstmrDbtCdtNtfctn>', 'camt.054'],
    ['namespace only', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">', 'camt.053'],
    ['camt.052 report', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrAcctRpt/>', undefined],
    ['pain.001', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/>', undefined],
    ['bare MT940', ':20:A\n:25:B\n:28C:1\n:60F:C240101EUR0,00\n-', 'mt940'],
    ['MT940 in an envelope', '{1:F01X}{2:O940X}{4:\r\n:20:A\r\n:61:240101C1,00NTRFNONREF\r\n-}', 'mt940'],
    ['MT940 without :20:', ':60F:C100318EUR380115,12\n', undefined],
    ['CSV', 'date,amount\n2024-01-01,5.00\n', undefined],
    ['garbage', 'hello world', undefined],
    ['empty', '', undefined],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.equal(detectFormat(text), expected));
  }
});

describe('StatementParseError', () => {
  const stmt = (entries: string) =>
    `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S</Id>${entries}</Stmt></BkToCstmrStmt></Document>`;
  const ok = '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>';

  it('names the camt element that broke', () => {
    const base = 'Document/BkToCstmrStmt/Stmt[1]/Ntry[2]';
    assert.equal(whereOf(() => parseStatement(stmt(ok + '<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>'))), `${base}/Amt`);
    assert.equal(whereOf(() => parseStatement(stmt(ok + ok.replace(' Ccy="EUR"', '')))), `${base}/Amt/@Ccy`);
    assert.equal(whereOf(() => parseStatement(stmt(ok + ok.replace('1.00', '1.00001')))), `${base}/Amt`);
    assert.equal(whereOf(() => parseStatement(stmt(ok + ok.replace('1.00', 'abc')))), `${base}/Amt`);
    assert.equal(whereOf(() => parseStatement(stmt(ok + ok.replace('EUR', 'euro')))), `${base}/Amt`);
    assert.equal(whereOf(() => parseStatement(stmt(ok + ok.replace('CRDT', 'CREDIT')))), `${base}/CdtDbtInd`);
    assert.equal(whereOf(() => parseStatement(stmt(ok + ok.replace('<Sts>', '<BookgDt><Dt>2024-02-30</Dt></BookgDt><Sts>')))), `${base}/BookgDt`);
  });

  it('refuses XML that is not well-formed or not camt, garbage and empty input', () => {
    assert.equal(whereOf(() => parseStatement(stmt(ok).replace('</Stmt>', ''))), 'line 1');
    assert.equal(whereOf(() => parseStatement('<Document><Other/></Document>', { format: 'camt.053' })), 'Document');
    assert.equal(whereOf(() => parseStatement('<html><body/></html>', { format: 'camt.053' })), 'Document');
    assert.equal(whereOf(() => parseStatement(stmt(ok), { format: 'camt.054' })), 'Document/BkToCstmrStmt');
    assert.equal(whereOf(() => parseStatement('garbage')), 'input');
    assert.equal(whereOf(() => parseStatement('  \n')), 'input');
    assert.equal(whereOf(() => parseStatement(Buffer.alloc(0))), 'input');
  });

  it('names the MT940 line that broke', () => {
    const good = [':20:A', ':25:B', ':28C:1', ':60F:C240101EUR0,00', ':61:240101C1,00NTRFNONREF', ':86:ok'];
    assert.equal(whereOf(() => parseStatement([...good, ':61:240101X1,00NTRFNONREF'].join('\n'))), 'line 7');
    assert.equal(whereOf(() => parseStatement([...good, ':61:241301C1,00NTRFNONREF'].join('\n'))), 'line 7', 'month 13');
    assert.equal(whereOf(() => parseStatement([...good, ':61:240101C1,005NTRFNONREF'].join('\n'))), 'line 7', 'three decimals in EUR');
    assert.equal(whereOf(() => parseStatement([':20:A', ':61:240101C1,00NTRFNONREF', ':60F:C240101EUR0,00'].join('\n'))), 'line 2', 'currency unknown');
    assert.equal(whereOf(() => parseStatement([':20:A', ':60F:C240101EURx', ':61:240101C1,00NTRFNONREF'].join('\n'))), 'line 2');
    assert.equal(whereOf(() => parseStatement('nothing here', { format: 'mt940' })), 'line 1');
  });

  it('is a ValidationError, so the API answers 400 with it', () => {
    assert.throws(() => parseStatement('garbage'), ValidationError);
  });
});
