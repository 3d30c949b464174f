import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_RATES_URLS, fetchMomentOf, nextFetchDay, parseRatesFetch, RATES_SOURCE_TIME_ZONE } from '../../src/rates/fetch-schedule.js';

describe('scheduled rates fetch: EXCHANGE_RATES_FETCH and the fetch moments', () => {
  it('parses source@HH:MM pairs; empty is off; anything else is one sentence', () => {
    assert.deepEqual(parseRatesFetch(''), []);
    assert.deepEqual(parseRatesFetch(' ecb@16:30 , nbp@12:30 '), [{ source: 'ecb', at: '16:30' }, { source: 'nbp', at: '12:30' }]);
    assert.throws(() => parseRatesFetch('usd@10:00'), /"usd@10:00" is not source@HH:MM with source ecb or nbp/);
    assert.throws(() => parseRatesFetch('ecb'), /"ecb" is not source@HH:MM/);
    assert.throws(() => parseRatesFetch('ecb@24:00'), /"ecb@24:00" has no time of day HH:MM after the @/);
    assert.throws(() => parseRatesFetch('ecb@16:30,ecb@17:00'), /ecb is named twice/);
  });

  it('config: off by default with the official URLs; a named source whose host is not in OUTBOUND_ALLOWED_HOSTS refuses to start', () => {
    const off = loadConfig({});
    assert.deepEqual(off.EXCHANGE_RATES_FETCH, []);
    assert.equal(off.EXCHANGE_RATES_ECB_URL, 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml');
    assert.equal(off.EXCHANGE_RATES_NBP_URL, 'https://api.nbp.pl/api/exchangerates/tables/A/?format=json');
    assert.deepEqual(DEFAULT_RATES_URLS, { ecb: off.EXCHANGE_RATES_ECB_URL, nbp: off.EXCHANGE_RATES_NBP_URL });
    const on = loadConfig({ EXCHANGE_RATES_FETCH: 'ecb@16:30,nbp@12:30', OUTBOUND_ALLOWED_HOSTS: 'www.ecb.europa.eu,api.nbp.pl' });
    assert.deepEqual(on.EXCHANGE_RATES_FETCH, [{ source: 'ecb', at: '16:30' }, { source: 'nbp', at: '12:30' }]);
    assert.throws(() => loadConfig({ EXCHANGE_RATES_FETCH: 'nbp@12:30', OUTBOUND_ALLOWED_HOSTS: 'www.ecb.europa.eu' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'EXCHANGE_RATES_FETCH names nbp, but the host api.nbp.pl is not in OUTBOUND_ALLOWED_HOSTS; the operator lists the rates hosts (www.ecb.europa.eu, api.nbp.pl) there.');
      return true;
    });
    assert.throws(() => loadConfig({ EXCHANGE_RATES_FETCH: 'ecb@4pm' }), /EXCHANGE_RATES_FETCH: "ecb@4pm" has no time of day/);
    assert.throws(() => loadConfig({ EXCHANGE_RATES_ECB_URL: 'ftp://example.org/x.xml' }), /EXCHANGE_RATES_ECB_URL: must be an http\(s\) URL/);
    // A listed block counts for a URL naming an address (a mirror inside).
    assert.equal(loadConfig({ EXCHANGE_RATES_FETCH: 'ecb@16:30', EXCHANGE_RATES_ECB_URL: 'http://10.1.2.3/ecb.xml', OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/8' }).EXCHANGE_RATES_ECB_URL, 'http://10.1.2.3/ecb.xml');
  });

  it('each time is in the source\'s own zone, across a DST change', () => {
    assert.deepEqual(RATES_SOURCE_TIME_ZONE, { ecb: 'Europe/Berlin', nbp: 'Europe/Warsaw' });
    assert.equal(new Date(fetchMomentOf('2026-03-27', '16:30', 'Europe/Berlin')).toISOString(), '2026-03-27T15:30:00.000Z');
    assert.equal(new Date(fetchMomentOf('2026-03-30', '16:30', 'Europe/Berlin')).toISOString(), '2026-03-30T14:30:00.000Z');
    assert.equal(new Date(fetchMomentOf('2026-07-01', '12:30', 'Europe/Warsaw')).toISOString(), '2026-07-01T10:30:00.000Z');
  });

  it('the day fetched next: today while its time is ahead, else tomorrow, never a day already fetched', () => {
    const at = (iso: string) => Date.parse(iso);
    assert.equal(nextFetchDay(undefined, at('2026-07-01T14:00:00Z'), '16:30', 'Europe/Berlin'), '2026-07-01');
    assert.equal(nextFetchDay(undefined, at('2026-07-01T14:30:00Z'), '16:30', 'Europe/Berlin'), '2026-07-02', 'at the moment itself: the next day');
    // 23:30 UTC is already the next day in Berlin.
    assert.equal(nextFetchDay(undefined, at('2026-07-01T23:30:00Z'), '16:30', 'Europe/Berlin'), '2026-07-02');
    // The time moved later after the day's fetch (the run before fetched 2026-07-01): not again that day.
    assert.equal(nextFetchDay('2026-07-01', at('2026-07-01T15:00:00Z'), '20:00', 'Europe/Berlin'), '2026-07-02');
    // A run that starts long after the last one fetches the next day due, not the missed ones.
    assert.equal(nextFetchDay('2026-06-01', at('2026-07-01T15:00:00Z'), '16:30', 'Europe/Berlin'), '2026-07-02');
  });
});
