import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { currencyExponent } from '../../src/domain/money.js';
import { referenceFromBody } from '../../src/domain/reference.js';
import { StatementParseError, extractReferences, parseAmountMinor } from '../../src/statements/index.js';

// Every ISO 4217 currency Tollgate knows with exponent 0 or 3, and common ones with 2.
const CURRENCIES = [
  'BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
  'BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND',
  'EUR', 'CZK', 'PLN', 'USD', 'GBP', 'CHF', 'SEK',
];

/** Written independently of the parser: sign, whole part, separator, exponent digits, extra digits. */
function format(minor: bigint, exponent: number, separator: string, extra = ''): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent) + extra;
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : separator + fraction}`;
}

const minorArb = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
const separatorArb = fc.constantFrom('.' as const, ',' as const);
const currencyArb = fc.constantFrom(...CURRENCIES);

describe('parseAmountMinor (properties)', () => {
  it('round-trips every amount in every 0/2/3-decimal currency with either separator', () => {
    fc.assert(
      fc.property(minorArb, currencyArb, separatorArb, (minor, currency, separator) => {
        const text = format(minor, currencyExponent(currency), separator);
        assert.equal(parseAmountMinor(text, currency, { decimalSeparator: separator }), minor);
      }),
    );
  });

  it('accepts zeros beyond the exponent (camt writes up to five decimals)', () => {
    fc.assert(
      fc.property(minorArb, currencyArb, separatorArb, fc.integer({ min: 1, max: 5 }), (minor, currency, separator, zeros) => {
        const text = format(minor, currencyExponent(currency), separator, '0'.repeat(zeros));
        assert.equal(parseAmountMinor(text, currency, { decimalSeparator: separator }), minor);
      }),
    );
  });

  it('rejects any non-zero digit beyond the exponent', () => {
    const extraArb = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 }).filter((s) => /[1-9]/.test(s));
    fc.assert(
      fc.property(minorArb, currencyArb, separatorArb, extraArb, (minor, currency, separator, extra) => {
        const text = format(minor, currencyExponent(currency), separator, extra);
        assert.throws(() => parseAmountMinor(text, currency, { decimalSeparator: separator }), StatementParseError);
      }),
    );
  });

  it('rejects the other separator as a decimal point', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), (minor) => {
        assert.throws(() => parseAmountMinor(format(minor, 2, ','), 'EUR', { decimalSeparator: '.' }), StatementParseError);
        assert.throws(() => parseAmountMinor(format(minor, 2, '.'), 'EUR', { decimalSeparator: ',' }), StatementParseError);
      }),
    );
  });
});

const referenceArb = fc
  .integer({ min: 100_000_000, max: 999_999_999 })
  .map((body) => referenceFromBody(body))
  .filter((ref): ref is string => ref !== undefined);
const textArb = fc.string({ maxLength: 40 });
const maybeNotProvided = fc.oneof(fc.constantFrom('NOTPROVIDED', 'notprovided', ' NotProvided ', '', null, undefined), fc.string({ maxLength: 20 }));

const normalise = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('extractReferences (properties)', () => {
  it('finds a Tollgate reference embedded anywhere in free text', () => {
    fc.assert(
      fc.property(textArb, referenceArb, textArb, (before, ref, after) => {
        assert.ok(extractReferences({ text: `${before} ${ref} ${after}` }).includes(ref));
      }),
    );
  });

  it('never returns NOTPROVIDED, never a duplicate, never something not in the input', () => {
    fc.assert(
      fc.property(fc.array(maybeNotProvided, { maxLength: 4 }), maybeNotProvided, textArb, fc.option(referenceArb), (structured, endToEndId, text, ref) => {
        const fullText = ref === null ? text : `${text} ${ref}`;
        const refs = extractReferences({ structured, endToEndId, text: fullText });
        const inputs = [...structured, endToEndId, fullText].filter((v): v is string => typeof v === 'string').map(normalise);
        for (const r of refs) {
          assert.notEqual(r.toUpperCase(), 'NOTPROVIDED');
          assert.ok(inputs.some((input) => input.includes(r) || input.replace(/\s/g, '').includes(r)), `${r} is in the input`);
        }
        assert.equal(new Set(refs.map((r) => r.toUpperCase())).size, refs.length);
      }),
    );
  });

  it('is order-stable: structured first in the given order, then text finds in the order they appear', () => {
    const distinct = fc.uniqueArray(fc.stringMatching(/^[A-Z][A-Z0-9]{3,12}$/), { minLength: 1, maxLength: 3, selector: (s) => s.toUpperCase() });
    fc.assert(
      fc.property(distinct, referenceArb, referenceArb, textArb, (structured, a, b, noise) => {
        fc.pre(a !== b && !structured.includes(a) && !structured.includes(b));
        const input = { structured, text: `${noise} paid ${a} and ${b}` };
        const refs = extractReferences(input);
        assert.deepEqual(refs.slice(0, structured.length), structured);
        assert.ok(refs.indexOf(a) < refs.indexOf(b));
        assert.deepEqual(extractReferences(input), refs, 'same input, same answer');
      }),
    );
  });

  it("reads the caller's pattern (BillTech: ref 12345678-1234)", () => {
    const pattern = /ref[: ](\d{8}-\d{4,6})/i;
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{8}$/),
        fc.stringMatching(/^\d{4,6}$/),
        fc.constantFrom('ref:', 'REF ', 'Ref:'),
        textArb,
        (head, tail, lead, noise) => {
          const ref = `${head}-${tail}`;
          assert.ok(extractReferences({ text: `${noise} ${lead}${ref} thanks`, patterns: [pattern] }).includes(ref));
        },
      ),
    );
  });
});
