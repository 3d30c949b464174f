import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateCamt053, type GeneratedLine } from '../../bench/lib/generate-camt.js';
import { referenceFromBody } from '../../src/domain/reference.js';
import { detectFormat, parseStatement } from '../../src/statements/index.js';

function lines(count: number): GeneratedLine[] {
  const out: GeneratedLine[] = [];
  for (let body = 123_456_000; out.length < count; body += 1) {
    const reference = referenceFromBody(body);
    if (reference === undefined) continue;
    const n = out.length;
    out.push({
      amountMinor: BigInt(n * 137 + 1),
      currency: n % 10 === 9 ? 'JPY' : 'EUR',
      reference,
      bankReference: `BK<${n}>&`,
      bookingDate: `2024-03-${String((n % 28) + 1).padStart(2, '0')}`,
    });
  }
  return out;
}

describe('bench camt.053 generator', () => {
  it('writes a camt.053.001.02 file whose 100 lines round-trip with their references', () => {
    const input = lines(100);
    const xml = generateCamt053(input);
    assert.equal(detectFormat(xml), 'camt.053');
    const parsed = parseStatement(xml);
    assert.equal(parsed.lines.length, input.length);
    parsed.lines.forEach((line, i) => {
      const want = input[i];
      assert.ok(want);
      assert.equal(line.amountMinor, want.amountMinor);
      assert.equal(line.currency, want.currency);
      assert.equal(line.bankReference, want.bankReference, 'escaped and unescaped');
      assert.equal(line.bookingDate, want.bookingDate);
      assert.equal(line.direction, 'credit');
      assert.equal(line.status, 'booked');
      assert.deepEqual(line.references, [want.reference], i % 2 === 0 ? 'structured' : 'found in the free text');
      if (i % 2 === 1) assert.equal(line.text, `Payment for internet ref ${want.reference} thank you`);
    });
    const eurTotal = input.filter((l) => l.currency === 'EUR').reduce((s, l) => s + l.amountMinor, 0n);
    assert.equal(parsed.balances.find((b) => b.code === 'CLBD')?.amountMinor, eurTotal);
  });
});
