/**
 * Every statement file in test/fixtures/bank-statements (copied byte for byte from ../shared/fixtures) is parsed and compared with the oracle beside it:
 * genkgo/camt's JSON dump for camt, wolph/mt940's YAML dump for MT940. Expected values are read
 * from the oracles, never copied into this file. Where our reading deliberately differs from the
 * oracle's the test says so next to the comparison.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { parseDecimal } from '../../src/domain/money.js';
import { StatementParseError, detectFormat, parseStatement, type ParsedStatement } from '../../src/statements/index.js';

const FIXTURES = resolve(projectRoot(), 'test/fixtures/bank-statements');
const RECURSION = '__RECURSIVITY__';

/**
 * Files whose projects publish their expected values as assertions in test code (PHP, Ruby,
 * Python) rather than as a dump beside the file: statements-mt940-banks.test.ts holds those
 * values and checks each of these files against them. Here they must still parse.
 */
const ORACLE_IN_TEST_CODE = new Set([
  'jejik-commerzbank.sta',
  'kingsquare-rabo-sample.sta',
  'kingsquare-rabo-sample4.sta',
  'kingsquare-zetb-sample.sta',
  'ksdev-mbank-iph.sta',
  'ksdev-mbank-multiple_accounts.sta',
  'wolph-asnb-mt940_with_spaces_for_entry_date.sta',
  'wolph-citi-mt940.sta',
  'zilverline-ing.sta',
  'zilverline-ing-cntp_without_description.sta',
]);

function statementFiles(): Array<{ folder: string; name: string; path: string }> {
  return ['camt', 'mt940'].flatMap((folder) =>
    readdirSync(join(FIXTURES, folder))
      .filter((name) => /\.(xml|sta)$/.test(name))
      .sort()
      .map((name) => ({ folder, name, path: join(FIXTURES, folder, name) })),
  );
}

function oraclePath(path: string): string | undefined {
  const base = path.replace(/\.(xml|sta)$/, '');
  return [`${base}.expected.json`, `${base}.expected.yml`].find((c) => existsSync(c));
}

const normalise = (s: string) => s.replace(/\s+/g, ' ').trim();
const abs = (n: bigint) => (n < 0n ? -n : n);

// ---- camt: genkgo JSON ----------------------------------------------------------------------

/** "__RECURSIVITY__" in a list stands for the object the dumper already printed (the singular getter). */
function txDetails(entry: any): any[] {
  return (entry.getTransactionDetails ?? []).map((t: any, i: number) => {
    if (t !== RECURSION) return t;
    assert.equal(i, 0, 'only the first transaction detail is printed as a back-reference');
    return entry.getTransactionDetail;
  });
}

/** Every CdtrRefInf/Ref under a transaction's remittance information, wherever the dump put it. */
function creditorRefs(node: any, found: string[] = []): string[] {
  if (node === null || typeof node !== 'object') return found;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'getRef' && typeof value === 'string' && !found.includes(value)) found.push(value);
    else creditorRefs(value, found);
  }
  return found;
}

function oracleRefs(tx: any): string[] {
  const e2e = tx.getReference?.getEndToEndId;
  return [...creditorRefs(tx.getRemittanceInformation), e2e].filter((v): v is string => typeof v === 'string' && !/^NOTPROVIDED$/i.test(v));
}

const day = (d: any): string | null => (d ? String(d['0']).slice(0, 10) : null);
const STATUS: Record<string, string> = { BOOK: 'booked', PDNG: 'pending' };

/**
 * Lines the oracle implies under our batch rule: a batch splits into its transactions only when
 * each has an amount; otherwise (and for a single TxDtls) the entry's booked amount is the line.
 */
function expectedCamtLines(entry: any) {
  const txs = txDetails(entry);
  const split = txs.length > 1 && txs.every((t) => t.getAmount !== null);
  const signed = BigInt(entry.getAmount.getAmount);
  const base = {
    statementId: entry.getRecord.getId,
    bookingDate: day(entry.getBookingDate),
    valueDate: day(entry.getValueDate),
    direction: signed < 0n ? 'debit' : 'credit',
    status: STATUS[entry.getStatus] ?? 'other',
    reversal: entry.getReversalIndicator === true,
  };
  // The servicer's reference only; NtryRef (getReference) is a position within one statement.
  const entryRef = entry.getAccountServicerReference ?? null;
  if (split) {
    return txs.map((t) => ({
      ...base,
      amountMinor: abs(BigInt(t.getAmount.getAmount)),
      currency: t.getAmount.getCurrency.getCode,
      bankReference: t.getReference?.getAccountServicerReference ?? entryRef,
      references: oracleRefs(t),
    }));
  }
  return [
    {
      ...base,
      amountMinor: abs(signed),
      currency: entry.getAmount.getCurrency.getCode,
      bankReference: entryRef ?? txs[0]?.getReference?.getAccountServicerReference ?? null,
      references: txs.flatMap(oracleRefs),
    },
  ];
}

function compareCamt(parsed: ParsedStatement, oracle: any): void {
  const entries: any[] = oracle.getEntries;
  const expected = entries.flatMap(expectedCamtLines);
  // genkgo's dump lists only the last statement's entries; compare statement by statement.
  const ids = [...new Set(expected.map((e) => e.statementId))];
  for (const id of ids) {
    const mine = parsed.lines.filter((l) => l.statementId === id);
    const theirs = expected.filter((e) => e.statementId === id);
    assert.equal(mine.length, theirs.length, `lines of statement ${id}`);
    theirs.forEach((want, i) => {
      const line = mine[i];
      assert.ok(line);
      const { references, ...fields } = want;
      assert.deepEqual(
        { statementId: line.statementId, bookingDate: line.bookingDate, valueDate: line.valueDate, direction: line.direction, status: line.status, reversal: line.reversal, amountMinor: line.amountMinor, currency: line.currency, bankReference: line.bankReference },
        fields,
        `line ${i} of statement ${id}`,
      );
      for (const ref of references) assert.ok(line.references.includes(normalise(ref)), `${ref} in ${JSON.stringify(line.references)}`);
      if (references[0] !== undefined) assert.equal(line.references[0], normalise(references[0]), 'the strongest reference comes first');
    });
  }
  for (const record of entries.map((e) => e.getRecord)) {
    const balances = parsed.balances.filter((b) => b.statementId === record.getId);
    assert.deepEqual(
      balances.map((b) => [b.amountMinor, b.currency, b.date]),
      (record.getBalances ?? []).map((b: any) => [BigInt(b.getAmount.getAmount), b.getAmount.getCurrency.getCode, day(b.getDate)]),
      `balances of ${record.getId}`,
    );
  }
}

// ---- MT940: wolph YAML ----------------------------------------------------------------------

const isNull = (v: unknown) => v === undefined || v === null || v === 'null' || v === '';

/** wolph dumps dates as bytes: year high, year low, month, day. */
function yamlDate(value: any): string | null {
  if (isNull(value)) return null;
  const raw = Array.isArray(value) ? value[0] : value;
  const bytes = raw instanceof Uint8Array ? raw : Buffer.from(String(raw), 'base64');
  const [hi = 0, lo = 0, month = 0, dayOfMonth = 0] = bytes;
  return `${String(hi * 256 + lo).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

function yamlMinor(amount: any): bigint {
  return parseDecimal(String(amount.amount[0]), String(amount.currency)).minor;
}

// Customer-reference placeholders we do not take as the bank's id (see mt940.ts).
const PLACEHOLDER = /^(?:NONREF|EREF|[A-Z]{4}\+.*)$/is;
const BALANCE_TAGS: Record<string, string> = {
  final_opening_balance: '60F',
  intermediate_opening_balance: '60M',
  final_closing_balance: '62F',
  intermediate_closing_balance: '62M',
  available_balance: '64',
  forward_available_balance: '65',
};

function compareMt940(parsed: ParsedStatement, oracle: any): void {
  const txs: any[] = oracle.transactions ?? [];
  assert.equal(parsed.lines.length, txs.length, 'one line per :61:');
  txs.forEach((tx, i) => {
    const d = tx.data;
    const line = parsed.lines[i];
    assert.ok(line);
    const where = `transaction ${i}`;
    const signed = yamlMinor(d.amount);
    assert.equal(line.amountMinor, abs(signed), `${where}: amount`);
    assert.equal(line.currency, d.amount.currency, `${where}: currency`);
    // wolph keeps the bank's sign for RC (reversal of a credit) positive; the account was debited.
    const status = String(d.status);
    assert.equal(line.direction, status === 'C' || status === 'RD' ? 'credit' : 'debit', `${where}: direction`);
    if (status === 'C' || status === 'D') assert.equal(signed < 0n, line.direction === 'debit', `${where}: sign`);
    assert.equal(line.reversal, status.startsWith('R'), `${where}: reversal`);
    assert.equal(line.status, 'booked');
    const valueDate = yamlDate(d.date);
    assert.equal(line.valueDate, valueDate, `${where}: value date`);
    assert.equal(line.bookingDate, yamlDate(d.entry_date) ?? valueDate, `${where}: booking date`);
    const customer = isNull(d.customer_reference) ? null : String(d.customer_reference);
    const ownReference = customer === null || PLACEHOLDER.test(customer) ? null : customer;
    // The payer's reference is no bank id, but it stays a candidate for matching.
    if (ownReference !== null) assert.ok(line.references.includes(normalise(ownReference)), `${where}: customer reference ${ownReference} among ${line.references.join(', ')}`);
    // Only the bank's own reference (after //) de-duplicates; a payer's reference repeats across transfers.
    const bankRef = isNull(d.bank_reference) ? null : String(d.bank_reference);
    assert.equal(line.bankReference, bankRef === null || PLACEHOLDER.test(bankRef) ? null : bankRef, `${where}: bank reference`);
    if (!isNull(d.end_to_end_reference) && !/^NONREF$/i.test(String(d.end_to_end_reference))) {
      // wolph runs EREF on into the purpose sub-fields; SEPA caps it at 35 characters, so ours is its start.
      const e2e = normalise(String(d.end_to_end_reference));
      const first = line.references[0] ?? '';
      assert.ok(first !== '' && e2e.startsWith(first), `${where}: EREF ${first} vs ${e2e}`);
      if (e2e.length <= 35) assert.equal(first, e2e);
    }
    if (!isNull(d.additional_position_reference)) {
      assert.ok(line.references.includes(normalise(String(d.additional_position_reference))), `${where}: MREF`);
    }
    if (!isNull(d.applicant_name)) assert.equal(line.counterparty, normalise(String(d.applicant_name)), `${where}: counterparty`);
  });
  // wolph keeps the last balance of each kind it saw.
  for (const [key, tag] of Object.entries(BALANCE_TAGS)) {
    const want = oracle.data?.[key];
    if (isNull(want)) continue;
    const mine = parsed.balances.filter((b) => b.code === tag).at(-1);
    assert.ok(mine, `a ${tag} balance`);
    const minor = abs(yamlMinor(want.amount));
    assert.equal(mine.amountMinor, want.status === 'D' ? -minor : minor, `${tag} amount`);
    assert.equal(mine.currency, want.amount.currency);
    assert.equal(mine.date, yamlDate(want.date), `${tag} date`);
  }
}

describe('statement fixtures', () => {
  const files = statementFiles();

  it('finds the fixture folder and its files', () => {
    assert.ok(files.some((f) => f.folder === 'camt') && files.some((f) => f.folder === 'mt940'));
  });

  for (const file of files) {
    const bytes = readFileSync(file.path);
    const text = bytes.toString('utf8');

    if (file.name.endsWith('.wrong.xml')) {
      it(`${file.name}: is refused with the place it breaks`, () => {
        assert.throws(
          () => parseStatement(bytes),
          (err: unknown) => err instanceof StatementParseError && err.where === 'Document/BkToCstmrStmt/Stmt',
        );
      });
      continue;
    }

    it(`${file.name}: parses and agrees with its oracle`, () => {
      // MT942 (interim report) files live beside MT940: they have a floor limit and no opening balance.
      const interim = /^:34F:/m.test(text) && !/^:60[FM]:/m.test(text);
      const folderFormat = file.folder === 'mt940' ? (interim ? 'mt942' : 'mt940') : text.includes('camt.054') ? 'camt.054' : 'camt.053';
      // A file of bare :60F: lines (amount_formats) has no :20:, so detection rightly says nothing.
      const detectable = file.folder === 'camt' || /^:20:/m.test(text);
      // Detection says MT940 for both; the parser tells an MT942 by its fields.
      assert.equal(detectFormat(text), detectable ? folderFormat.replace('mt942', 'mt940') : undefined);
      const parsed = parseStatement(bytes, detectable ? {} : { format: 'mt940' });
      assert.equal(parsed.format, folderFormat);
      parsed.lines.forEach((line, i) => {
        assert.equal(line.index, i);
        assert.ok(line.amountMinor >= 0n);
        assert.ok(!line.references.some((r) => /^(NOTPROVIDED|NONREF)$/i.test(r)));
      });
      if (!detectable) assert.equal(parsed.balances.length, (text.match(/^:60F:/gm) ?? []).length, 'every amount format parses');
      const oracle = oraclePath(file.path);
      if (ORACLE_IN_TEST_CODE.has(file.name)) {
        assert.equal(oracle, undefined, `${file.name} has an oracle file: compare it here`);
        return;
      }
      assert.ok(oracle, `an oracle beside ${file.name}`);
      if (oracle.endsWith('.json')) compareCamt(parsed, JSON.parse(readFileSync(oracle, 'utf8')));
      else compareMt940(parsed, parseYaml(readFileSync(oracle, 'utf8'), { schema: 'failsafe', maxAliasCount: -1, logLevel: 'silent' }));
    });
  }

  it('reads every statement of a multi-statement camt file', () => {
    const parsed = parseStatement(readFileSync(join(FIXTURES, 'camt', 'genkgo-camt053.v2.multi.statement.xml')));
    const stmtCount = (readFileSync(join(FIXTURES, 'camt', 'genkgo-camt053.v2.multi.statement.xml'), 'utf8').match(/<Stmt>/g) ?? []).length;
    assert.equal(parsed.statementIds.length, stmtCount);
    assert.deepEqual([...new Set(parsed.lines.map((l) => l.statementId))], parsed.statementIds);
  });
});
