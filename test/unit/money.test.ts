import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '../../src/domain/errors.js';
import { currencyExponent, formatDecimal, minorFromJson, parseDecimal } from '../../src/domain/money.js';

describe('money', () => {
  it('parses decimal strings into minor units without floating point', () => {
    assert.equal(parseDecimal('18.15', 'PLN').minor, 1815n);
    assert.equal(parseDecimal('0.1', 'EUR').minor, 10n);
    assert.equal(parseDecimal('1,5', 'EUR').minor, 150n);
    assert.equal(parseDecimal('-0.07', 'EUR').minor, -7n);
    assert.equal(parseDecimal('100', 'JPY').minor, 100n);
    assert.equal(parseDecimal('1.234', 'KWD').minor, 1234n);
    assert.equal(parseDecimal('12345678901234567.89', 'EUR').minor, 1234567890123456789n);
    assert.equal(parseDecimal('2.50000', 'EUR').minor, 250n, 'trailing zeros beyond the exponent are harmless');
  });

  it('rejects more decimals than the currency has, and non-numbers', () => {
    assert.throws(() => parseDecimal('18.155', 'PLN'), ValidationError);
    assert.throws(() => parseDecimal('1.5', 'JPY'), ValidationError);
    assert.throws(() => parseDecimal('1e3', 'EUR'), ValidationError);
    assert.throws(() => parseDecimal('', 'EUR'), ValidationError);
    assert.throws(() => parseDecimal('12.', 'EUR'), ValidationError);
    assert.throws(() => parseDecimal('1', 'eur'), ValidationError);
  });

  it('knows currency exponents', () => {
    assert.equal(currencyExponent('PLN'), 2);
    assert.equal(currencyExponent('JPY'), 0);
    assert.equal(currencyExponent('BHD'), 3);
  });

  it('round-trips every amount through format and parse (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.constantFrom('PLN', 'JPY', 'KWD', 'CLF'), (minor, currency) => {
        const text = formatDecimal({ minor, currency });
        assert.equal(parseDecimal(text, currency).minor, minor);
      }),
    );
  });

  it('accepts only safe integers from JSON', () => {
    assert.equal(minorFromJson(1815, 'PLN').minor, 1815n);
    assert.throws(() => minorFromJson(18.15, 'PLN'), ValidationError);
    assert.throws(() => minorFromJson(2 ** 53, 'PLN'), ValidationError);
  });
});
