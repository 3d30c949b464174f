import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { createAccountExpressionRunner, MAX_TYPED_LENGTH, parseAccountExpression } from '../../src/identification/account-expression.js';
import { accountExpressionProblem, IdentificationSettings, identificationChannel } from '../../src/identification/settings.js';
import { leastSumMinor, maskName, normaliseIdentifier, recommendedSumMinor, STORED_IDENTIFIER_KINDS } from '../../src/identification/index.js';

describe('account expression (PAYSYS_ACCOUNT_EXPR)', () => {
  const run = createAccountExpressionRunner(50);

  it('keeps the capture group: the last 8 digits, plain and in ABillS\'s own pattern/$1 form (the seed\'s example)', () => {
    assert.deepEqual(run('^\\d*(\\d{8})$', '0012345678'), { value: '12345678' });
    assert.deepEqual(parseAccountExpression('\\d+(\\d{8})$/$1'), { pattern: '\\d+(\\d{8})$', group: 1, substitute: true });
    assert.deepEqual(run('\\d+(\\d{8})$/$1', '99012345678'), { value: '12345678' });
    assert.deepEqual(run('^(A)-(\\d+)$/$2', 'A-1001'), { value: '1001' });
    // ABillS's form is its s/left/$1/: only the matched part is replaced, the rest of what was typed stays.
    assert.deepEqual(run('\\d+(\\d{8})$/$1', 'LS-99012345678'), { value: 'LS-12345678' });
    assert.deepEqual(run('^\\d*(\\d{8})$', '99012345678'), { value: '12345678' }, 'the plain form: the group is the value');
    assert.deepEqual(run('(\\d)-/$1', '1-2-3'), { value: '12-3' }, 'the first match only, as s/// without /g');
    assert.equal(accountExpressionProblem('\\d+(\\d{8})$/$1'), undefined);
    assert.match(accountExpressionProblem('^(\\d+)$/$2') ?? '', /group 2, but the pattern has only 1/);
    assert.match(accountExpressionProblem('^\\d+$') ?? '', /capture group/);
  });

  it('answers no_match when the pattern does not fit, and too_long past the input cap', () => {
    assert.deepEqual(run('\\d+(\\d{8})$/$1', '12345678'), { problem: 'no_match' }, '\\d+ needs a ninth digit');
    assert.deepEqual(run('^(x)?\\d+$', '123'), { problem: 'no_match' }, 'a group that took no part is no value');
    assert.deepEqual(run('^(\\d+)$', '1'.repeat(MAX_TYPED_LENGTH + 1)), { problem: 'too_long' });
    assert.deepEqual(run('^(\\d+)$', '1'.repeat(MAX_TYPED_LENGTH)), { value: '1'.repeat(MAX_TYPED_LENGTH) });
    assert.deepEqual(run('(', 'x'), { problem: 'invalid' }, 'a pattern that slipped past the settings never throws at a payer');
  });

  it('stops a catastrophic pattern at its time budget: ^(a+)+$ on 40 a\'s and a b', () => {
    const started = performance.now();
    const result = run('^(a+)+$', `${'a'.repeat(40)}b`);
    const took = performance.now() - started;
    assert.deepEqual(result, { problem: 'timeout' });
    assert.ok(took < 1000, `took ${took.toFixed(0)} ms, budget 50 ms`);
    assert.deepEqual(run('^(a+)+$', 'aaa'), { value: 'aaa' }, 'the runner works on after a timeout');
  });

  it('is validated where a channel config loads it', () => {
    assert.equal(IdentificationSettings.safeParse({ account_expression: '(' }).success, false);
    const channel = identificationChannel('osmp', IdentificationSettings.parse({ identifiers: ['contract', 'uid'], add_to_recommended: 120 }), 100n);
    assert.deepEqual(channel.kinds, ['contract', 'uid']);
    assert.equal(channel.addToRecommendedMinor, 120n);
  });
});

describe('name mask (FIO_HIDDEN)', () => {
  it('keeps two characters a word, the seed\'s Те** Us**, Cyrillic counted by letter', () => {
    assert.equal(maskName('Тест User'), 'Те** Us**');
    assert.equal(maskName('Jan Kowalski'), 'Ja* Ko******');
    assert.equal(maskName('  Иван   Петрович  Сидоров '), 'Ив** Пе****** Си*****');
    assert.equal(maskName('J. K Ян'), 'J. K Ян', 'words of one or two characters stay');
    assert.equal(maskName(''), '');
  });

  it('never shows more than two characters of any word', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((w) => !/\s/u.test(w)), { minLength: 1, maxLength: 5 }), (words) => {
      const masked = maskName(words.join(' ')).split(' ');
      assert.equal(masked.length, words.length);
      masked.forEach((m, i) => {
        const chars = [...(words[i] ?? '')];
        assert.equal([...m].length, chars.length);
        assert.equal([...m].slice(2).join(''), '*'.repeat(Math.max(0, chars.length - 2)));
      });
    }));
  });
});

describe('recommended sum', () => {
  const channel = { minAmountMinor: 100n, addToRecommendedMinor: 120n, recommendedIsMinimum: false };

  it('is the debt plus the top-up, at least the minimum, unknown when the balance is', () => {
    assert.equal(recommendedSumMinor(channel, -1250n), 1370n);
    assert.equal(recommendedSumMinor(channel, 5000n), 120n, 'no debt: the top-up');
    assert.equal(recommendedSumMinor({ ...channel, addToRecommendedMinor: 0n }, 0n), 100n, 'never below the minimum');
    assert.equal(recommendedSumMinor(channel, null), null);
  });

  it('is the least sum only where the channel says so (PAYSYS_MIN_SUM_RECOMMENDED_PAY)', () => {
    assert.equal(leastSumMinor(channel, { recommendedMinor: 1370n }), 100n);
    assert.equal(leastSumMinor({ ...channel, recommendedIsMinimum: true }, { recommendedMinor: 1370n }), 1370n);
    assert.equal(leastSumMinor({ ...channel, recommendedIsMinimum: true }, { recommendedMinor: null }), 100n);
  });

  it('holds for any balance and settings: at least the minimum, covers the debt, exact', () => {
    const minor = fc.bigInt({ min: 0n, max: 10n ** 15n });
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), minor, minor, fc.boolean(), (balance, min, add, isMin) => {
      const ch = { minAmountMinor: min, addToRecommendedMinor: add, recommendedIsMinimum: isMin };
      const r = recommendedSumMinor(ch, balance);
      assert.ok(r !== null);
      assert.ok(r >= min);
      assert.ok(r >= (balance < 0n ? -balance : 0n) + add);
      assert.ok(r === min || r === (balance < 0n ? -balance : 0n) + add);
      assert.ok(leastSumMinor(ch, { recommendedMinor: r }) >= min);
      assert.equal(leastSumMinor(ch, { recommendedMinor: r }), isMin ? r : min);
    }));
  });
});

describe('identifier normalisation', () => {
  it('keeps a phone\'s digits only, however it was written', () => {
    for (const p of ['+48 600 100 200', '48600100200', '+48-600-100-200', ' (48) 600.100.200 ']) {
      assert.deepEqual(normaliseIdentifier('phone', p), { value: '48600100200' }, p);
    }
    assert.ok('problem' in normaliseIdentifier('phone', '600 100 2OO'), 'letters are no phone');
    assert.ok('problem' in normaliseIdentifier('phone', '++48600'), 'one leading + only');
    assert.ok('problem' in normaliseIdentifier('phone', '12'), 'too few digits');
  });

  it('trims every other kind and keeps its case', () => {
    assert.deepEqual(normaliseIdentifier('contract', '  A-1001 '), { value: 'A-1001' });
    assert.deepEqual(normaliseIdentifier('login', 'Jan'), { value: 'Jan' });
    assert.ok('problem' in normaliseIdentifier('login', '   '));
    assert.ok('problem' in normaliseIdentifier('uid', 'x'.repeat(201)));
    assert.ok('problem' in normaliseIdentifier('login', 'jan\u0000'), 'a NUL is no identifier (Postgres could not compare it)');
  });

  it('stores the kinds migration 0025 CHECKs', () => {
    const sql = readFileSync(join(projectRoot(), 'src/db/migrations/0025_customer_identifiers.sql'), 'utf8');
    const check = /kind\s+text NOT NULL CHECK \(kind IN \(([^)]*)\)\)/.exec(sql)?.[1] ?? '';
    assert.deepEqual(check.split(',').map((s) => s.trim().replace(/'/g, '')), [...STORED_IDENTIFIER_KINDS]);
  });
});
