import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chooseRate, type StoredRate } from '../../src/rates/choose.js';
import { convertMinor, invert, parseRate, ratioToDecimal, roundHalfEven } from '../../src/rates/decimal.js';

describe('half-even rounding (bigint rationals)', () => {
  it('rounds ties to the even neighbour, everything else to the nearest', () => {
    assert.deepEqual([5n, 15n, 25n, 35n, -5n, -15n, -25n].map((n) => roundHalfEven(n, 10n)), [0n, 2n, 2n, 4n, 0n, -2n, -2n]);
    assert.deepEqual([14n, 16n, -14n, -16n, 24n, 26n].map((n) => roundHalfEven(n, 10n)), [1n, 2n, -1n, -2n, 2n, 3n]);
    assert.equal(roundHalfEven(7820835n, 1000n), 7821n);
  });

  it('is the nearest integer, a tie goes to the even one, and it is symmetric (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 20n }), (n, d) => {
        const q = roundHalfEven(n, d);
        const twiceError = 2n * (n - q * d);
        const abs = twiceError < 0n ? -twiceError : twiceError;
        assert.ok(abs <= d, `${n}/${d} rounded to ${q}`);
        if (abs === d) assert.equal(q % 2n, 0n, `a tie ${n}/${d} went to the odd ${q}`);
        assert.equal(roundHalfEven(-n, d), -q);
        assert.equal(roundHalfEven(n * d, d), n, 'an exact quotient is itself');
      }),
    );
  });

  it('over many ties, half-even does not drift the total the way half-up does', () => {
    // 0.5, 1.5, 2.5 … 99.5: exactly half the ties go up.
    const ties = Array.from({ length: 100 }, (_, i) => BigInt(2 * i + 1));
    const halfEven = ties.reduce((s, n) => s + roundHalfEven(n, 2n), 0n);
    assert.equal(halfEven * 2n, ties.reduce((s, n) => s + n, 0n), 'the rounded total equals the exact total');
  });
});

describe('conversion of minor units', () => {
  it('follows the exponents of both currencies and rounds once, at the end', () => {
    assert.equal(convertMinor(1815n, 'EUR', 'PLN', parseRate('4.3090')), 7821n, '18.15 EUR × 4.3090 = 78.20835 PLN');
    assert.equal(convertMinor(100000n, 'JPY', 'EUR', invert(parseRate('171.94'))), 58160n, '100000 JPY / 171.94 = 581.598… EUR');
    assert.equal(convertMinor(1000n, 'EUR', 'JPY', parseRate('171.94')), 1719n, '10.00 EUR × 171.94 = 1719.4 JPY');
    assert.equal(convertMinor(1000n, 'EUR', 'KWD', parseRate('0.3285')), 3285n, '10.00 EUR = 3.285 KWD');
    assert.equal(convertMinor(1n, 'EUR', 'PLN', parseRate('0.5')), 0n, '0.005 PLN is a tie: to the even 0');
    assert.equal(convertMinor(3n, 'EUR', 'PLN', parseRate('0.5')), 2n, '0.015 PLN is a tie: to the even 2');
  });

  it('a rate of 1 between currencies of one exponent changes nothing; a larger amount never converts smaller (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.stringMatching(/^\d{1,4}\.\d{1,6}$/), (a, extra, text) => {
        assert.equal(convertMinor(a, 'EUR', 'PLN', parseRate('1')), a);
        if (/^[0.]+$/.test(text)) return;
        const rate = parseRate(text);
        assert.ok(convertMinor(a + extra, 'EUR', 'PLN', rate) >= convertMinor(a, 'EUR', 'PLN', rate));
        // Within half a minor unit of the exact product.
        const exact2 = 2n * a * rate.num;
        const err = exact2 - 2n * convertMinor(a, 'EUR', 'PLN', rate) * rate.den;
        assert.ok((err < 0n ? -err : err) <= rate.den);
      }),
    );
  });

  it('formats ratios half-even with trailing zeros dropped', () => {
    assert.equal(ratioToDecimal(invert(parseRate('4.3090')), 12), '0.232072406591');
    assert.equal(ratioToDecimal(parseRate('4.3090'), 12), '4.309');
    assert.equal(ratioToDecimal({ num: 5n, den: 1000n }, 2), '0', '0.005 → 0.00 (tie to even)');
    assert.equal(ratioToDecimal({ num: 15n, den: 1000n }, 2), '0.02');
  });

  it('refuses rates that are not plain positive decimals', () => {
    for (const bad of ['0', '0.000', '-1.2', '1e3', '1,5', ' 1.2', '', '.5', '1.', '1234567890123.1']) assert.throws(() => parseRate(bad), /rate/, bad);
  });
});

const ecb = (day: string, quote: string, rate: string): StoredRate => ({ base: 'EUR', quote, rate, rate_date: day, source: 'ecb' });
const nbp = (day: string, base: string, rate: string): StoredRate => ({ base, quote: 'PLN', rate, rate_date: day, source: 'nbp' });
const manual = (day: string, base: string, quote: string, rate: string): StoredRate => ({ base, quote, rate, rate_date: day, source: 'manual' });

describe('choosing the rate', () => {
  const D = '2024-06-28';
  it('direct, inverse, and cross rates through EUR (ECB) and PLN (NBP)', () => {
    assert.deepEqual(chooseRate([ecb(D, 'PLN', '4.3090')], 'EUR', 'PLN'), { rate: '4.3090', ratio: { num: 43090n, den: 10000n }, rateDate: D, source: 'ecb', method: 'direct' });
    assert.equal(chooseRate([ecb(D, 'PLN', '4.3090')], 'PLN', 'EUR')?.rate, '0.232072406591');
    assert.equal(chooseRate([ecb(D, 'PLN', '4.3090')], 'PLN', 'EUR')?.method, 'inverse');
    const viaEur = chooseRate([ecb(D, 'USD', '1.0705'), ecb(D, 'PLN', '4.3090')], 'USD', 'PLN');
    assert.deepEqual([viaEur?.rate, viaEur?.method], ['4.025221858944', 'cross_eur'], '4.3090 / 1.0705');
    const viaPln = chooseRate([nbp(D, 'USD', '4.0252'), nbp(D, 'EUR', '4.3090')], 'USD', 'EUR');
    assert.deepEqual([viaPln?.rate, viaPln?.method], ['0.93413785101', 'cross_pln'], '4.0252 / 4.3090 = 0.9341378510095…, 12 decimals, the trailing zero dropped');
  });

  it('the converted amount is the recorded rate times the amount, so anyone can check it', () => {
    const chosen = chooseRate([ecb(D, 'USD', '1.0705'), ecb(D, 'PLN', '4.3090')], 'USD', 'PLN');
    assert.ok(chosen);
    assert.equal(convertMinor(10000n, 'USD', 'PLN', chosen.ratio), convertMinor(10000n, 'USD', 'PLN', parseRate(chosen.rate)));
    assert.equal(convertMinor(10000n, 'USD', 'PLN', chosen.ratio), 40252n);
  });

  it('the newest day wins; on one day manual beats ECB beats NBP', () => {
    const rows = [ecb('2024-06-27', 'PLN', '4.3000'), nbp(D, 'EUR', '4.3130'), ecb(D, 'PLN', '4.3090')];
    assert.deepEqual([chooseRate(rows, 'EUR', 'PLN')?.source, chooseRate(rows, 'EUR', 'PLN')?.rate], ['ecb', '4.3090']);
    assert.equal(chooseRate([...rows, manual(D, 'EUR', 'PLN', '4.3333')], 'EUR', 'PLN')?.rate, '4.3333');
    assert.equal(chooseRate([ecb('2024-06-27', 'PLN', '4.3000'), nbp(D, 'EUR', '4.3130')], 'EUR', 'PLN')?.source, 'nbp', 'a newer NBP day beats an older ECB day');
    assert.equal(chooseRate([ecb(D, 'PLN', '4.3090'), manual('2024-06-27', 'EUR', 'PLN', '9')], 'EUR', 'PLN')?.source, 'ecb', 'an older manual rate loses to a newer published one');
  });

  it('never mixes two sources or two days in one cross rate', () => {
    assert.equal(chooseRate([ecb(D, 'USD', '1.0705'), nbp(D, 'EUR', '4.3090')], 'USD', 'PLN'), undefined);
    assert.equal(chooseRate([ecb(D, 'USD', '1.0705'), ecb('2024-06-27', 'PLN', '4.3090')], 'USD', 'PLN'), undefined);
    const fallsBack = chooseRate([ecb(D, 'USD', '1.0705'), ecb('2024-06-27', 'USD', '1.0703'), ecb('2024-06-27', 'PLN', '4.3000')], 'USD', 'PLN');
    assert.equal(fallsBack?.rateDate, '2024-06-27', 'the newest day that can give the pair');
    assert.equal(chooseRate([], 'USD', 'PLN'), undefined);
  });
});
