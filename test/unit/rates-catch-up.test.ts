import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { addDays, ecbHistoryUrl, NBP_MAX_RANGE_DAYS, nbpRangeUrl, previousBusinessDay, ratesFetchPlan } from '../../src/rates/catch-up.js';
import { parseEcb } from '../../src/rates/ecb.js';
import { ratesFrom } from '../../src/rates/import.js';
import { parseNbp } from '../../src/rates/nbp.js';
import { DEFAULT_RATES_URLS } from '../../src/rates/fetch-schedule.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/rates/${name}`, import.meta.url), 'utf8');
const ECB_DAILY = DEFAULT_RATES_URLS.ecb;
const NBP_LATEST = DEFAULT_RATES_URLS.nbp;

describe('rates catch-up: the multi-day files', () => {
  it('reads the ECB eurofxref-hist-90d shape: several Cube time= days, newest first in the file, oldest first out', () => {
    const parsed = parseEcb(fixture('ecb-eurofxref-hist-90d-2024-07-03.xml'));
    assert.deepEqual(parsed.days, ['2024-07-01', '2024-07-02', '2024-07-03']);
    assert.equal(parsed.rates.length, 9);
    assert.deepEqual(parsed.rates.filter((r) => r.quote === 'PLN').map((r) => [r.date, r.rate]), [['2024-07-03', '4.3173'], ['2024-07-02', '4.3190'], ['2024-07-01', '4.3080']]);
  });

  it('reads an NBP table A date range, JSON and XML alike, each table with its own number', () => {
    const json = parseNbp(fixture('nbp-table-a-range-2024-07-01-2024-07-03.json'));
    assert.deepEqual(json, parseNbp(fixture('nbp-table-a-range-2024-07-01-2024-07-03.xml')));
    assert.deepEqual(json.days, ['2024-07-01', '2024-07-02', '2024-07-03']);
    assert.deepEqual(json.rates.filter((r) => r.base === 'HUF').map((r) => [r.date, r.rate, r.sourceRef]), [
      ['2024-07-01', '0.010911', '126/A/NBP/2024'],
      ['2024-07-02', '0.010902', '127/A/NBP/2024'],
      ['2024-07-03', '0.010930', '128/A/NBP/2024'],
    ]);
  });

  it('keeps only the days from the first missed one: what is stored is not read again', () => {
    const from = ratesFrom(parseEcb(fixture('ecb-eurofxref-hist-90d-2024-07-03.xml')), '2024-07-02');
    assert.deepEqual(from.days, ['2024-07-02', '2024-07-03']);
    assert.deepEqual([...new Set(from.rates.map((r) => r.date))].sort(), ['2024-07-02', '2024-07-03']);
    assert.equal(from.rates.length, 6);
  });
});

describe('rates catch-up: which file a day\'s fetch reads', () => {
  it('the business day before: Friday before a weekend day or a Monday', () => {
    // 2026-12-07 is a Monday.
    assert.deepEqual(['2026-12-07', '2026-12-08', '2026-12-05', '2026-12-06', '2026-12-04'].map(previousBusinessDay), ['2026-12-04', '2026-12-07', '2026-12-04', '2026-12-04', '2026-12-03']);
    assert.equal(previousBusinessDay('2027-01-01'), '2026-12-31', 'across a year');
  });

  it('nothing missed (or nothing stored yet): the latest file', () => {
    assert.deepEqual(ratesFetchPlan('ecb', ECB_DAILY, '2026-12-07', '2026-12-08'), { kind: 'latest', url: ECB_DAILY }, 'Tuesday after Monday');
    assert.deepEqual(ratesFetchPlan('ecb', ECB_DAILY, '2026-12-04', '2026-12-07'), { kind: 'latest', url: ECB_DAILY }, 'Monday after Friday');
    assert.deepEqual(ratesFetchPlan('nbp', NBP_LATEST, '2026-12-04', '2026-12-06'), { kind: 'latest', url: NBP_LATEST }, 'a Sunday');
    assert.deepEqual(ratesFetchPlan('nbp', NBP_LATEST, null, '2026-12-08'), { kind: 'latest', url: NBP_LATEST }, 'a first fetch backfills nothing');
    assert.deepEqual(ratesFetchPlan('ecb', ECB_DAILY, '2026-12-09', '2026-12-08'), { kind: 'latest', url: ECB_DAILY }, 'a stored day after this one');
  });

  it('ECB days missed: eurofxref-hist-90d.xml beside the daily file, imported from the day after the last stored', () => {
    // The worker was down from Wednesday to Monday: Thursday and Friday were missed.
    assert.deepEqual(ratesFetchPlan('ecb', ECB_DAILY, '2026-12-02', '2026-12-07'), {
      kind: 'catch_up',
      url: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml',
      from: '2026-12-03',
    });
    // One missed weekday (the fetch failed for the day): caught up the next day.
    assert.deepEqual(ratesFetchPlan('ecb', ECB_DAILY, '2026-12-03', '2026-12-05'), { kind: 'catch_up', url: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml', from: '2026-12-04' });
    assert.equal(ecbHistoryUrl('http://127.0.0.1:8080/mirror/eurofxref-daily.xml?k=1'), 'http://127.0.0.1:8080/mirror/eurofxref-hist-90d.xml?k=1');
    // A mirror that names its file otherwise: no sibling to guess, the latest file as before.
    assert.deepEqual(ratesFetchPlan('ecb', 'https://mirror.example/ecb.xml', '2026-12-02', '2026-12-07'), { kind: 'latest', url: 'https://mirror.example/ecb.xml' });
  });

  it('NBP days missed: the table A date range from the last stored day (never an empty range: 404) to this one', () => {
    assert.deepEqual(ratesFetchPlan('nbp', NBP_LATEST, '2026-12-02', '2026-12-07'), {
      kind: 'catch_up',
      url: 'https://api.nbp.pl/api/exchangerates/tables/A/2026-12-02/2026-12-07/?format=json',
      from: '2026-12-03',
    });
    assert.equal(nbpRangeUrl('https://api.nbp.pl/api/exchangerates/tables/a?format=xml', '2026-12-02', '2026-12-07'), 'https://api.nbp.pl/api/exchangerates/tables/a/2026-12-02/2026-12-07/?format=xml');
    assert.equal(nbpRangeUrl('https://api.nbp.pl/api/exchangerates/tables/A/2026-12-01/?format=json', '2026-12-02', '2026-12-07'), undefined, 'a URL that is not the latest table');
  });

  it('NBP: at most 93 days per query, so a longer absence catches up its last 93 days', () => {
    const plan = ratesFetchPlan('nbp', NBP_LATEST, '2026-01-02', '2026-12-07');
    assert.equal(plan.kind, 'catch_up');
    const [start, end] = /tables\/A\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})\//.exec(plan.url)?.slice(1) ?? [];
    assert.deepEqual([start, end], [addDays('2026-12-07', 1 - NBP_MAX_RANGE_DAYS), '2026-12-07']);
    assert.equal((Date.parse(end ?? '') - Date.parse(start ?? '')) / 86_400_000 + 1, 93);
  });
});
