import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { StatementParseError, parseStatement } from '../../src/statements/index.js';

/**
 * Damaged files the statement fuzzing (test/reliability/statement-fuzz.test.ts) found the parser
 * reading although Postgres cannot store what it read. The year 0000 failed the lines' INSERT
 * (date has no year 0): a 500. A NUL failed the INSERT (jsonb has no \u0000), or, when the file was
 * refused anyway, the journal's outcome_detail quoting the damaged field: a 400 "text that cannot be
 * stored" from the generic mapping of Postgres's error, with the journal row left `received`. Nothing
 * was half stored (the INSERT's transaction rolled back), but neither was the 422, journaled, that a
 * damaged file gets. Each is now a StatementParseError naming where, before anything is stored.
 */
const fixture = (path: string) => readFileSync(join(projectRoot(), 'test', 'fixtures', 'bank-statements', path));

function refusal(input: string | Buffer): StatementParseError {
  try {
    parseStatement(input);
  } catch (err) {
    assert.ok(err instanceof StatementParseError, `a StatementParseError, not ${String(err)}`);
    return err;
  }
  assert.fail('the file was read');
}

describe('statement files the fuzzing found, refused instead of failing in Postgres', () => {
  it('refuses the year 0000 in a camt date (Postgres has no year 0: "date/time field value out of range")', () => {
    const camt = fixture('camt/genkgo-camt053.v2.minimal.xml').toString('utf8');
    assert.ok(parseStatement(camt).lines.length > 0, 'the file as it is reads');
    const damaged = camt.replace('<Dt>2014-12-30</Dt>', '<Dt>0000-12-30</Dt>');
    assert.notEqual(damaged, camt);
    const err = refusal(damaged);
    assert.match(err.reason, /"0000-12-30" is not a calendar date/);
    assert.match(err.where, /^Document\/BkToCstmrStmt\/Stmt\[1\]\//);
  });

  it('refuses a NUL character in an MT940 :86: (Postgres text and jsonb cannot hold U+0000), naming its line', () => {
    const mt940 = fixture('mt940/wolph-jejik-ing.sta').toString('latin1');
    const damaged = mt940.replace('RC AFREKENING', 'RC AF\u0000REKENING');
    assert.notEqual(damaged, mt940);
    const line = damaged.slice(0, damaged.indexOf('\u0000')).split('\n').length;
    const err = refusal(Buffer.from(damaged, 'latin1'));
    assert.match(err.reason, /NUL/);
    assert.equal(err.where, `line ${line}`);
  });

  it('refuses a NUL in a CSV cell and in camt text alike', () => {
    const csv = 'amount,currency,description\n1.00,EUR,a\u0000b\n';
    assert.throws(() => parseStatement(csv, { format: 'csv', csv: { amount: 'amount', currency: 'currency', text: 'description' } }), (err: unknown) => err instanceof StatementParseError && err.where === 'line 2');
    const camt = fixture('camt/genkgo-camt054.v2.xml').toString('utf8');
    const damaged = camt.replace('<Ustrd>', '<Ustrd>x\u0000');
    assert.notEqual(damaged, camt);
    assert.match(refusal(damaged).reason, /NUL/);
  });
});
