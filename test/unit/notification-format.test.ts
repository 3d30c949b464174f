import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dayAfter, localDayBounds, MAX_CATCH_UP_DAYS, nextDayToSummarise, nextSummaryMoment, summaryMomentOf } from '../../src/domain/daily-summary-time.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { formatAmount, formatCardExpiry, formatDate, formatDateTime, formatLocalDate, pluralForm } from '../../src/notifications/format.js';

const NB = '\u00a0';

describe('e-mail amounts, dates and plurals', () => {
  it('formats minor units by string arithmetic, with the locale’s decimal mark and grouping', () => {
    assert.equal(formatAmount(1815n, 'PLN', 'en'), `18.15${NB}PLN`);
    assert.equal(formatAmount(1815n, 'PLN', 'pl'), `18,15${NB}PLN`);
    assert.equal(formatAmount(1815, 'RUB', 'ru'), `18,15${NB}RUB`);
    assert.equal(formatAmount(5n, 'EUR', 'en'), `0.05${NB}EUR`);
    assert.equal(formatAmount(123456n, 'PLN', 'pl'), `1234,56${NB}PLN`, 'Polish leaves four digits ungrouped');
    assert.equal(formatAmount(1234567n, 'PLN', 'pl'), `12${NB}345,67${NB}PLN`);
    assert.equal(formatAmount(123456n, 'RUB', 'ru'), `1${NB}234,56${NB}RUB`);
    assert.equal(formatAmount(123456789n, 'USD', 'en'), `1,234,567.89${NB}USD`);
    assert.equal(formatAmount(1500n, 'JPY', 'en'), `1,500${NB}JPY`, 'no decimals for a zero-exponent currency');
    assert.equal(formatAmount(1234n, 'KWD', 'ru'), `1,234${NB}KWD`, 'three decimals');
    assert.equal(formatAmount(-250n, 'PLN', 'pl'), `-2,50${NB}PLN`);
    assert.equal(formatAmount('9007199254740993', 'PLN', 'en'), `90,071,992,547,409.93${NB}PLN`, 'beyond a double: exact');
  });

  it('keeps every digit for any amount (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.constantFrom('en', 'pl', 'ru' as const), (minor, locale) => {
      const shown = formatAmount(minor, 'PLN', locale);
      assert.equal(BigInt(shown.replace(/[^\d]/g, '')), minor);
      assert.ok(shown.endsWith(`${NB}PLN`));
    }));
  });

  it('writes dates in the locale, genitive month names, in the given zone', () => {
    const at = '2026-12-01T23:30:00Z';
    assert.equal(formatDate(at, 'en', 'UTC'), '1 December 2026');
    assert.equal(formatDate(at, 'pl', 'Europe/Warsaw'), '2 grudnia 2026', 'already the 2nd in Warsaw');
    assert.equal(formatDate('2027-03-08T10:00:00Z', 'ru', 'UTC'), '8 марта 2027 г.');
    assert.equal(formatDateTime(at, 'pl', 'Europe/Warsaw'), '2 grudnia 2026, 00:30 (Europe/Warsaw)');
    assert.equal(formatLocalDate('2026-05-03', 'pl'), '3 maja 2026');
    assert.equal(formatCardExpiry('2027-03'), '03/2027');
  });

  it('chooses plural forms as Polish and Russian count', () => {
    const pl = { one: 'wiersz', few: 'wiersze', many: 'wierszy', other: 'wiersza' };
    const ru = { one: 'строка', few: 'строки', many: 'строк', other: 'строки' };
    assert.deepEqual([1, 2, 4, 5, 12, 13, 21, 22, 25, 104, 111].map((n) => pluralForm('pl', n, pl)),
      ['wiersz', 'wiersze', 'wiersze', 'wierszy', 'wierszy', 'wierszy', 'wierszy', 'wiersze', 'wierszy', 'wiersze', 'wierszy']);
    assert.deepEqual([1, 2, 5, 11, 12, 21, 22, 25, 101, 111].map((n) => pluralForm('ru', n, ru)),
      ['строка', 'строки', 'строк', 'строк', 'строк', 'строка', 'строки', 'строк', 'строка', 'строк']);
    assert.deepEqual([0, 1, 2].map((n) => pluralForm('en', n, { one: 'line', other: 'lines' })), ['lines', 'line', 'lines']);
  });
});

describe('daily summary timing', () => {
  it('goes out at the next HH:MM in the zone and covers the local day before', () => {
    const now = Date.parse('2026-12-01T05:00:00Z'); // 06:00 in Warsaw
    assert.deepEqual(nextSummaryMoment(now, '07:00', 'Europe/Warsaw'), { atMs: Date.parse('2026-12-01T06:00:00Z'), covers: '2026-11-30' });
    const after = Date.parse('2026-12-01T06:00:00Z'); // exactly 07:00: the next one is tomorrow's
    assert.deepEqual(nextSummaryMoment(after, '07:00', 'Europe/Warsaw'), { atMs: Date.parse('2026-12-02T06:00:00Z'), covers: '2026-12-01' });
    assert.deepEqual(nextSummaryMoment(Date.parse('2026-12-31T23:59:00Z'), '00:00', 'UTC'), { atMs: Date.parse('2027-01-01T00:00:00Z'), covers: '2026-12-31' });
  });

  it('a day is 23 or 25 hours across a DST change; a time in the spring gap moves forward', () => {
    const spring = localDayBounds('2027-03-28', 'Europe/Warsaw');
    assert.equal(spring.toMs - spring.fromMs, 23 * 3_600_000);
    const autumn = localDayBounds('2026-10-25', 'Europe/Warsaw');
    assert.equal(autumn.toMs - autumn.fromMs, 25 * 3_600_000);
    assert.equal(localDayBounds('2026-12-01', 'UTC').fromMs, Date.parse('2026-12-01T00:00:00Z'));
    const gap = nextSummaryMoment(Date.parse('2027-03-27T12:00:00Z'), '02:30', 'Europe/Warsaw');
    assert.deepEqual(gap, { atMs: Date.parse('2027-03-28T01:30:00Z'), covers: '2027-03-27' }, '02:30 does not exist that night: 03:30 CEST');
  });

  it('the next day to summarise follows the last one summarised, whatever the settings say now', () => {
    assert.deepEqual([dayAfter('2026-12-31'), dayAfter('2028-02-28'), dayAfter('2027-02-28')], ['2027-01-01', '2028-02-29', '2027-03-01']);
    // Its moment is the next local day at HH:MM, in the zone given now.
    assert.equal(summaryMomentOf('2026-11-30', '07:00', 'Europe/Warsaw'), Date.parse('2026-12-01T06:00:00Z'));
    assert.equal(summaryMomentOf('2027-03-27', '02:30', 'Europe/Warsaw'), Date.parse('2027-03-28T01:30:00Z'), 'in the spring gap: moved forward');
    const now = Date.parse('2026-12-01T06:30:00Z'); // 07:30 in Warsaw; the 07:00 summary of 30 Nov went out
    assert.deepEqual(nextDayToSummarise('2026-11-30', now, '07:00', 'Europe/Warsaw'), { covers: '2026-12-01' });
    assert.deepEqual(nextDayToSummarise('2026-11-29', now, '09:00', 'Europe/Warsaw'), { covers: '2026-11-30' }, 'not sent yet: 30 Nov, at 09:00 today');
    assert.deepEqual(nextDayToSummarise('2026-11-29', now, '07:00', 'Europe/Warsaw'), { covers: '2026-11-30' }, 'its moment passed: due at once, not skipped');
    assert.deepEqual(nextDayToSummarise(undefined, now, '07:00', 'Europe/Warsaw'), { covers: '2026-12-01' }, 'the first run: the day the next moment covers');
    assert.deepEqual(nextDayToSummarise('2026-10-01', now, '07:00', 'Europe/Warsaw'), { covers: '2026-11-24', skipped: { from: '2026-10-02', to: '2026-11-23' } }, `away two months: the last ${MAX_CATCH_UP_DAYS} days and the coming one`);
  });
});

describe('e-mail settings', () => {
  it('defaults: summary at 07:00 UTC, dates in UTC; refuses a time or zone that does not exist', () => {
    const c = loadConfig({});
    assert.deepEqual([c.DAILY_SUMMARY_AT, c.DAILY_SUMMARY_TIME_ZONE, c.EMAIL_TIME_ZONE], ['07:00', 'UTC', 'UTC']);
    assert.equal(loadConfig({ DAILY_SUMMARY_AT: '23:59', DAILY_SUMMARY_TIME_ZONE: 'Europe/Warsaw' }).DAILY_SUMMARY_AT, '23:59');
    for (const [name, value] of [['DAILY_SUMMARY_AT', '7:00'], ['DAILY_SUMMARY_AT', '24:00'], ['DAILY_SUMMARY_AT', '07:60'], ['DAILY_SUMMARY_TIME_ZONE', 'Mars/Olympus'], ['EMAIL_TIME_ZONE', '']] as const) {
      assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.includes(name), `${name}=${value}`);
    }
  });
});
