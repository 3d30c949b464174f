import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseIsoDurationMs } from '../../src/domain/duration.js';
import { ValidationError } from '../../src/domain/errors.js';
import { isValidReference, referenceFromBody } from '../../src/domain/reference.js';

describe('ISO 8601 durations', () => {
  it('reads fixed-length parts', () => {
    assert.equal(parseIsoDurationMs('PT30S'), 30_000);
    assert.equal(parseIsoDurationMs('PT15M'), 900_000);
    assert.equal(parseIsoDurationMs('P1D'), 86_400_000);
    assert.equal(parseIsoDurationMs('P2DT6H'), 54 * 3_600_000);
    assert.equal(parseIsoDurationMs('P1W'), 7 * 86_400_000);
    assert.equal(parseIsoDurationMs('PT0.5S'), 500);
  });

  it('rejects calendar parts, empty and zero durations', () => {
    for (const bad of ['P', 'PT', 'P1M', 'P1Y', '30m', 'PT0S', '']) {
      assert.throws(() => parseIsoDurationMs(bad), ValidationError, bad);
    }
  });
});

describe('payment references', () => {
  it('are ten digits with a valid check digit', () => {
    const ref = referenceFromBody(482193057);
    assert.equal(ref, '4821930579'); // 4·10+8·9+2·8+1·7+9·6+3·5+0·4+5·3+7·2 = 233 ≡ 2 (mod 11) → 11−2 = 9
    assert.ok(isValidReference('4821930579'));
    assert.equal(isValidReference('4821930575'), false);
  });

  it('skip bodies that would need a check value of 10', () => {
    const body = Array.from({ length: 2000 }, (_, i) => 100_000_000 + i).find((b) => referenceFromBody(b) === undefined);
    assert.ok(body !== undefined, 'some body has check value 10');
  });

  it('catch every single-digit typo (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100_000_000, max: 999_999_999 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
        const ref = referenceFromBody(body);
        fc.pre(ref !== undefined);
        const digits = ref.split('');
        digits[pos] = String((Number(digits[pos]) + delta) % 10);
        const typo = digits.join('');
        // A typo that makes the first digit 0 is not a reference at all; either way it must not validate.
        assert.equal(isValidReference(typo), false, `${ref} → ${typo}`);
      }),
    );
  });
});
