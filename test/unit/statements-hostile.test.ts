import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimSlashes } from '../../src/statements/mt940-details.js';
import { StatementParseError, extractReferences, parseStatement } from '../../src/statements/index.js';

/**
 * Crafted statement files that cost a backtracking regex quadratic (or worse) time. Each input is
 * about 1 MB; before the fixes the first took hours (80 KB took seconds), so the tests carry a
 * timeout as a guard, but what they check is the result: a linear reading finishes and answers
 * right. Nothing here measures time.
 */
const MB = 1024 * 1024;
const GUARD = { timeout: 20_000 };

function mt940With86(details: string): string {
  return [':20:X', ':25:NL00TEST0123456789', ':28C:1', ':60F:C200101EUR0,00', ':61:2001010101C1,00NTRFNONREF', `:86:${details}`, ':62F:C200101EUR1,00', '-', ''].join('\n');
}

describe('statement parsing is linear in the size of a crafted file', () => {
  it('trims slashes off a slash-coded value by reading each character once', () => {
    // /^\/+|\/+$/g tried "\/+$" from every slash of the inner run: n²/2 steps for this input.
    const inner = `a${'/'.repeat(MB)}x`;
    assert.equal(trimSlashes(`//${inner}///`), inner);
    assert.equal(trimSlashes('/'.repeat(MB)), '');
    assert.equal(trimSlashes('/EREF/'), 'EREF');
  });

  it('reads an MT940 whose :86: holds a megabyte of slashes inside a /REMI/ value', GUARD, () => {
    const [line] = parseStatement(mt940With86(`/REMI/a${'/'.repeat(MB)}x/EREF/E-1`)).lines;
    assert.ok(line);
    assert.deepEqual(line.references, ['E-1']);
    assert.match(line.text, /^a\/+x$/);
    assert.equal(line.text.length, MB + 2);
  });

  it('reads a row that starts like a terminator and runs a megabyte of blanks into a U+2028', GUARD, () => {
    // /^-(?:\}.*|XXX)?\s*$/ split the blanks between ".*" and "\s*" every way before failing.
    const text = mt940With86('PAYMENT 1').replace(':62F:', `-}${' '.repeat(MB)}\u2028x\n:62F:`);
    const parsed = parseStatement(text);
    assert.equal(parsed.lines.length, 1);
  });

  it('scans a text of many "RF12" followed by long letter runs for creditor references', GUARD, () => {
    // "(?: ?[0-9A-Za-z]{1,4}){1,6}" tried every split of 24 letters into groups before failing.
    const text = `RF12${'A'.repeat(30)} `.repeat(MB / 35);
    assert.deepEqual(extractReferences({ text }), []);
    assert.deepEqual(extractReferences({ text: 'Invoice RF18 5390 0754 7034 thanks' }), ['RF18539007547034']);
  });

  it('reads an MT940 of 100,000 one-line messages, each its own statement and account', GUARD, () => {
    // Each new statement id was compared with every earlier one (Array.includes): n² for this file.
    const messages = Array.from({ length: 100_000 }, (_, i) => `:20:S${i}\n:25:A${i}\n:60F:C200101EUR0,00\n-`);
    const parsed = parseStatement(`${messages.join('\n')}\n`);
    assert.equal(parsed.statementIds.length, 100_000);
    assert.equal(parsed.accounts.length, 100_000);
    assert.equal(parsed.statementIds[99_999], 'S99999 A99999');
  });
});

describe('XML declarations that can define entities are refused', () => {
  const camt = (prolog: string) =>
    `<?xml version="1.0"?>\n${prolog}<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S</Id>` +
    '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AddtlNtryInf>&lol;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>';
  const refusal = (text: string, format?: 'camt.053') => {
    try {
      parseStatement(text, { format });
    } catch (err) {
      if (err instanceof StatementParseError) return `${err.reason} @ ${err.where}`;
      throw err;
    }
    assert.fail('the file was read');
  };

  it('names a <!DOCTYPE> and its line, detected or named as camt.053', () => {
    const laughs = '<!DOCTYPE Document [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n';
    assert.equal(refusal(camt(laughs)), 'a <!DOCTYPE> declaration is not allowed in a statement file (it can define entities) @ line 2');
    assert.equal(refusal(camt(laughs), 'camt.053'), 'a <!DOCTYPE> declaration is not allowed in a statement file (it can define entities) @ line 2');
  });

  it('names a DOCTYPE so long that the root element is past what detection reads', () => {
    assert.match(refusal(camt(`<!DOCTYPE Document [${'<!-- padding -->'.repeat(1000)}]>\n`)), /<!DOCTYPE>/);
  });

  it('names a stray <!ENTITY> even without a DOCTYPE around it', () => {
    assert.match(refusal(camt('<!ENTITY lol "x">'), 'camt.053'), /^a <!ENTITY> declaration is not allowed/);
  });
});

describe('XML nested deeper than the parser reads', () => {
  const deep = '<X>'.repeat(120) + '</X>'.repeat(120);
  const camt = (inside: string) =>
    `<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>${inside}</BkToCstmrStmt></Document>`;

  it('is a StatementParseError naming the nesting, in the document or inside an entry cut out of it', () => {
    const entry = `<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AddtlNtryInf>x</AddtlNtryInf>${deep}</Ntry>`;
    for (const text of [camt(`${deep}<Stmt><Id>S</Id></Stmt>`), camt(`<Stmt><Id>S</Id>${entry}${entry}</Stmt>`)]) {
      assert.throws(
        () => parseStatement(text),
        (err: unknown) => err instanceof StatementParseError && /Maximum nested tags exceeded \(elements nest deeper than 100 levels\)/.test(err.reason) && err.where.startsWith('Document'),
      );
    }
  });
});
