import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createExchangeRatesActivities, type ExchangeRatesActivityDeps } from '../../src/activities/exchange-rates.js';
import { importRatesCommand } from '../../src/cli/rates-import.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { createTemporalClient } from '../../src/temporal/connection.js';
import { exchangeRatesWorkflowId } from '../../src/temporal/workflow-ids.js';
import { exchangeRatesNextQuery, type exchangeRatesWorkflow } from '../../src/workflows/exchange-rates.js';
import { createPayment } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

const fixturePath = (name: string) => new URL(`../fixtures/rates/${name}`, import.meta.url).pathname;
const ECB = readFileSync(fixturePath('ecb-eurofxref-daily-2024-06-28.xml'), 'utf8');

describe('currency rates: imports (API, CLI), manual rates, and a payment converted into the billing currency', () => {
  let stack: TestStack;
  // A stand-in for api.nbp.pl on this machine: the operator lists its address, as they would list the real host.
  let rateServer: Server;
  let rateServerUrl: string;
  // What the stand-in serves at /scheduled/… for the scheduled fetch (src/activities/exchange-rates.ts), and the requests it saw.
  const scheduled = new Map<string, { status: number; body: string }>();
  const seen: string[] = [];
  before(async () => {
    rateServer = createServer((req, res) => {
      seen.push(req.url ?? '');
      const answer = scheduled.get(req.url ?? '');
      if (answer) {
        res.writeHead(answer.status, { 'content-type': req.url?.includes('nbp') ? 'application/json' : 'application/xml' });
        res.end(answer.body);
      } else if (req.url === '/api/exchangerates/tables/A/') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(readFileSync(fixturePath('nbp-table-a-2024-06-28.json')));
      } else if (req.url === '/private.json' || req.url === '/private.xml') {
        // Something a listed host serves that is not a rates file, with a secret in it.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(req.url.endsWith('.json') ? 'SECRET-7f3a internal status page' : '<status token="SECRET-7f3a"><unclosed></status>');
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => rateServer.listen(0, '127.0.0.1', resolve));
    rateServerUrl = `http://127.0.0.1:${(rateServer.address() as AddressInfo).port}`;
    // The stack's worker fetches ECB on the schedule from the stand-in (the end-to-end test below starts its loop).
    stack = await startTestStack({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', EXCHANGE_RATES_FETCH: 'ecb@16:30', EXCHANGE_RATES_ECB_URL: `${rateServerUrl}/scheduled/ecb-e2e.xml` });
  });
  after(async () => {
    await stack?.close();
    await new Promise<void>((resolve) => rateServer?.close(() => resolve()));
  });

  const journalOf = async (like: string) =>
    (await stack.pool.query<{ outcome: string; outcome_detail: string }>({
      text: "SELECT outcome, outcome_detail FROM inbound_requests WHERE channel = 'exchange_rates' AND path LIKE $1 ORDER BY id DESC LIMIT 1",
      values: [like],
    })).rows[0];

  it('imports an ECB day by API; the same file twice changes nothing; both are journaled', async () => {
    const first = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw: ECB, headers: { 'content-type': 'application/xml' } });
    assert.ok(first.status === 201 || first.status === 200, first.text);
    assert.deepEqual({ ...first.json, inserted: undefined }, { source: 'ecb', days: ['2024-06-28'], rates: 30, inserted: undefined });
    const again = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw: ECB, headers: { 'content-type': 'application/xml' } });
    assert.equal(again.status, 200);
    assert.equal(again.json.inserted, 0);
    assert.equal((await journalOf('/v1/exchange-rates/imports?source=ecb'))?.outcome, 'duplicate');
    const list = await stack.request('GET', '/v1/exchange-rates?base=EUR&quote=PLN&date=2024-06-28');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.data.map((r: { rate: string; source: string }) => [r.rate, r.source]), [['4.3090', 'ecb']]);
    assert.deepEqual(list.json.effective, { rate: '4.3090', rate_date: '2024-06-28', source: 'ecb', method: 'direct' });
    const cross = await stack.request('GET', '/v1/exchange-rates?base=USD&quote=PLN&date=2024-06-30');
    assert.deepEqual(cross.json.effective, { rate: '4.025221858944', rate_date: '2024-06-28', source: 'ecb', method: 'cross_eur' }, 'a Sunday takes Friday\'s rates');
  });

  it('a bad file is a 422 naming the place, journaled as refused, and imports nothing of it', async () => {
    const broken = ECB.replace('2024-06-28', '2024-06-21').replace("rate='171.94'", "rate='171,94'");
    const res = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw: broken });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.json.detail, /at Envelope\/Cube\/Cube\[1\]\/Cube\[2\]\/@rate\); nothing was imported/);
    assert.deepEqual(res.json.errors, [{ path: 'Envelope/Cube/Cube[1]/Cube[2]/@rate', message: '"171,94" is not a plain decimal rate (digits, optionally "." and up to 12 decimals)' }]);
    assert.equal((await journalOf('/v1/exchange-rates/imports?source=ecb'))?.outcome, 'rejected_malformed');
    const stored = await stack.pool.query("SELECT 1 FROM exchange_rates WHERE rate_date = '2024-06-21'");
    assert.equal(stored.rowCount, 0, 'not even the good lines of the day');
    // A file contradicting rates imported before is refused whole, too.
    const changed = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw: ECB.replace("rate='1.0705'", "rate='1.0800'") });
    assert.equal(changed.status, 422);
    assert.deepEqual(changed.json.errors, [{ path: 'EUR/USD 2024-06-28', message: '1.0800 in this file, 1.0705 imported before' }]);
    const doctype = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw: `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${ECB}` });
    assert.equal(doctype.status, 422);
    const url = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb&url=https://example.com/rates.xml');
    assert.equal(url.status, 400);
    assert.match(url.json.detail, /example\.com is not in OUTBOUND_ALLOWED_HOSTS/);
  });

  it('two concurrent imports that contradict each other: exactly one is stored, the other is a 422 and imports nothing', async () => {
    // A day no other test imports, so the two files meet only each other.
    const day = `2011-0${1 + (Date.now() % 9)}-${String(10 + (Date.now() % 18))}`;
    const fileA = ECB.replace("time='2024-06-28'", `time='${day}'`);
    const fileB = fileA.replace("rate='4.3090'", "rate='4.3091'");
    const send = (raw: string) => stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw, headers: { 'content-type': 'application/xml' } });
    const answers = await Promise.all([send(fileA), send(fileB)]);
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 422], answers.map((a) => a.text).join('\n'));
    const winner = answers[0]?.status === 201 ? '4.3090' : '4.3091';
    const stored = await stack.pool.query<{ n: number; pln: string }>({
      text: `SELECT count(*)::int AS n, max(rate::text) FILTER (WHERE quote = 'PLN') AS pln FROM exchange_rates WHERE source = 'ecb' AND rate_date = $1::date`,
      values: [day],
    });
    assert.deepEqual(stored.rows[0], { n: 30, pln: winner }, 'the 422 file added nothing, and the stored PLN rate is the winner\'s');
  });

  it('imports an NBP table A from a file through the CLI; the same table as XML afterwards adds nothing', async () => {
    const lines: string[] = [];
    const code = await importRatesCommand(stack.config, { source: 'nbp', target: fixturePath('nbp-table-a-2024-06-28.json'), api: stack.baseUrl, key: stack.adminKey }, (l) => lines.push(l));
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines[0] ?? '', /^(imported|already imported): nbp 2024-06-28, \d+ of 33 rates new$/);
    const xml = await stack.request('POST', '/v1/exchange-rates/imports?source=nbp', { raw: readFileSync(fixturePath('nbp-table-a-2024-06-28.xml'), 'utf8') });
    assert.equal(xml.status, 200);
    assert.equal(xml.json.inserted, 0);
    const huf = await stack.request('GET', '/v1/exchange-rates?base=HUF&quote=PLN&source=nbp&date=2024-06-28');
    assert.equal(huf.json.data[0].rate, '0.010906');
    assert.equal(huf.json.data[0].source_ref, '125/A/NBP/2024');
    const refused: string[] = [];
    assert.equal(await importRatesCommand(stack.config, { source: 'nbp', target: fixturePath('ecb-eurofxref-daily-2024-06-28.xml'), api: stack.baseUrl, key: stack.adminKey }, (l) => refused.push(l)), 1);
    assert.match(refused[0] ?? '', /^import refused \(422\): the rates file cannot be read: not an NBP table/);
  });

  it('imports from a URL the operator allowed (through the CLI), refuses redirects and failures, and the same table twice adds nothing', async () => {
    const lines: string[] = [];
    const url = `${rateServerUrl}/api/exchangerates/tables/A/`;
    assert.equal(await importRatesCommand(stack.config, { source: 'nbp', target: url, api: stack.baseUrl, key: stack.adminKey }, (l) => lines.push(l)), 0, lines.join('\n'));
    assert.match(lines[0] ?? '', /^already imported: nbp 2024-06-28, 0 of 33 rates new$/, 'the file import before stored the same table');
    const journal = await journalOf('/v1/exchange-rates/imports?source=nbp&url=%');
    assert.deepEqual(journal, { outcome: 'duplicate', outcome_detail: `nbp 2024-06-28…2024-06-28: 0 of 33 rates new (from ${url})` });
    const moved = await stack.request('POST', `/v1/exchange-rates/imports?source=nbp&url=${encodeURIComponent(`${rateServerUrl}/moved`)}`);
    assert.equal(moved.status, 422);
    assert.match(moved.json.detail, /fetching the rates file failed: 127\.0\.0\.1 redirect; nothing was imported/);
    const missing = await stack.request('POST', `/v1/exchange-rates/imports?source=nbp&url=${encodeURIComponent(`${rateServerUrl}/nope`)}`);
    assert.equal(missing.status, 422);
    assert.match(missing.json.detail, /answered HTTP 404/);
    // Nothing came from either: journaled as a source that did not answer, not as a malformed file.
    assert.equal((await journalOf(`%url=${encodeURIComponent(`${rateServerUrl}/nope`)}`))?.outcome, 'unreachable');
    assert.equal((await journalOf(`%url=${encodeURIComponent(`${rateServerUrl}/moved`)}`))?.outcome, 'unreachable');
    // A fetched file that cannot be read: the 422 says where, never what the host answered.
    for (const [source, path] of [['nbp', '/private.json'], ['ecb', '/private.xml']] as const) {
      const unreadable = await stack.request('POST', `/v1/exchange-rates/imports?source=${source}&url=${encodeURIComponent(`${rateServerUrl}${path}`)}`);
      assert.equal(unreadable.status, 422, unreadable.text);
      assert.match(unreadable.json.detail, new RegExp(`^the fetched file is not a readable ${source.toUpperCase()} rates file \\(at `));
      assert.doesNotMatch(unreadable.text, /SECRET|internal status|unclosed/, `${source}: the host's answer is not echoed`);
    }
    // The same bytes sent as the body are the caller's own: their reason may quote them.
    const sent = await stack.request('POST', '/v1/exchange-rates/imports?source=nbp', { raw: 'SECRET-7f3a internal status page' });
    assert.equal(sent.status, 422);
    assert.match(sent.json.detail, /not valid JSON/);
    const both = await stack.request('POST', `/v1/exchange-rates/imports?source=nbp&url=${encodeURIComponent(url)}`, { raw: '[]' });
    assert.equal(both.status, 400);
  });

  it('sets and corrects a manual rate', async () => {
    const day = '2024-05-01';
    const set = await stack.request('PUT', '/v1/exchange-rates', { body: { base: 'GBP', quote: 'PLN', date: day, rate: '5.0123' } });
    assert.ok(set.status === 201 || set.status === 200, set.text);
    const fixed = await stack.request('PUT', '/v1/exchange-rates', { body: { base: 'GBP', quote: 'PLN', date: day, rate: '5.0100' } });
    assert.equal(fixed.status, 200);
    assert.equal(fixed.json.rate, '5.0100');
    const bad = await stack.request('PUT', '/v1/exchange-rates', { body: { base: 'GBP', quote: 'PLN', date: day, rate: 5.01 } });
    assert.equal(bad.status, 400);
    const noKey = await stack.request('PUT', '/v1/exchange-rates', { body: { base: 'GBP', quote: 'PLN', date: day, rate: '1' }, key: null });
    assert.equal(noKey.status, 401);
  });

  // Before the payment tests: they import today's ECB day, after which no 2024 day counts as missed
  // (the catch-up below needs the newest stored ECB day to be 2024-07-01).
  describe('the scheduled fetch (EXCHANGE_RATES_FETCH): the activity fetches from a listed host and imports as an upload is imported', () => {
    const ecbDay = (day: string) => ECB.replace('2024-06-28', day);
    const NBP = readFileSync(fixturePath('nbp-table-a-2024-06-28.json'), 'utf8');
    const settings = (over: Partial<NonNullable<ExchangeRatesActivityDeps['exchangeRates']>> = {}): NonNullable<ExchangeRatesActivityDeps['exchangeRates']> => ({
      EXCHANGE_RATES_FETCH: [{ source: 'ecb', at: '16:30' }, { source: 'nbp', at: '12:30' }],
      EXCHANGE_RATES_ECB_URL: `${rateServerUrl}/scheduled/eurofxref-daily.xml`,
      EXCHANGE_RATES_NBP_URL: `${rateServerUrl}/scheduled/nbp/tables/A/?format=json`,
      OUTBOUND_ALLOWED_HOSTS: stack.config.OUTBOUND_ALLOWED_HOSTS,
      EXCHANGE_RATE_MAX_BYTES: stack.config.EXCHANGE_RATE_MAX_BYTES,
      ...over,
    });
    const fetchWith = (over: Partial<NonNullable<ExchangeRatesActivityDeps['exchangeRates']>> = {}) => (input: { source: 'ecb' | 'nbp'; day: string }) =>
      createExchangeRatesActivities({ pool: stack.pool, exchangeRates: settings(over) }).fetchExchangeRates(input);
    const scheduleJournal = async () =>
      (await stack.pool.query<{ outcome: string; outcome_detail: string; path: string; headers: Record<string, string> }>(
        "SELECT outcome, outcome_detail, path, headers FROM inbound_requests WHERE channel = 'exchange_rates' AND source = 'schedule' ORDER BY id DESC LIMIT 1",
      )).rows[0];
    const stored = async (day: string, source: string) =>
      Number((await stack.pool.query<{ n: string }>({ text: 'SELECT count(*) AS n FROM exchange_rates WHERE rate_date = $1 AND source = $2', values: [day, source] })).rows[0]?.n);

    it('a new ECB day lands in the ledger, journaled; the same file again (a weekend, a holiday) adds nothing and is no error', async () => {
      scheduled.set('/scheduled/eurofxref-daily.xml', { status: 200, body: ecbDay('2024-07-01') });
      const fetch = fetchWith();
      assert.deepEqual(await fetch({ source: 'ecb', day: '2024-07-01' }), { status: 'imported', days: ['2024-07-01'], rates: 30, inserted: 30 });
      assert.equal(await stored('2024-07-01', 'ecb'), 30);
      const pln = await stack.request('GET', '/v1/exchange-rates?base=EUR&quote=PLN&date=2024-07-01');
      assert.deepEqual(pln.json.effective, { rate: '4.3090', rate_date: '2024-07-01', source: 'ecb', method: 'direct' });
      const journal = await scheduleJournal();
      assert.deepEqual({ ...journal, headers: undefined }, { outcome: 'imported', outcome_detail: `ecb 2024-07-01…2024-07-01: 30 of 30 rates new (from ${rateServerUrl}/scheduled/eurofxref-daily.xml)`, path: `${rateServerUrl}/scheduled/eurofxref-daily.xml`, headers: undefined });
      assert.equal(journal?.headers['x-tollgate-rates-day'], '2024-07-01');
      // The next day (Tuesday 2024-07-02) the file has not moved yet (a holiday, or fetched before
      // the ECB publishes at about 16:00 CET): still Monday's.
      assert.deepEqual(await fetch({ source: 'ecb', day: '2024-07-02' }), { status: 'unchanged', days: ['2024-07-01'], rates: 30, inserted: 0 });
      assert.equal(await stored('2024-07-01', 'ecb'), 30, 'no row twice');
      assert.equal((await scheduleJournal())?.outcome, 'duplicate');
    });

    it('NBP table A as the Web API answers ?format=json', async () => {
      scheduled.set('/scheduled/nbp/tables/A/?format=json', { status: 200, body: NBP.replaceAll('2024-06-28', '2024-07-01').replace('125/A/NBP/2024', '126/A/NBP/2024') });
      const r = await fetchWith()({ source: 'nbp', day: '2024-07-01' });
      assert.deepEqual(r, { status: 'imported', days: ['2024-07-01'], rates: 33, inserted: 33 });
      assert.equal(await stored('2024-07-01', 'nbp'), 33);
    });

    it('missed NBP days are caught up from the table A date range, only the days after the last stored one; the next fetch is the latest again', async () => {
      // The test before stored 2024-07-01; Tuesday 2024-07-02 was missed, this is Wednesday's fetch.
      const range = '/scheduled/nbp/tables/A/2024-07-01/2024-07-03/?format=json';
      scheduled.set(range, { status: 200, body: readFileSync(fixturePath('nbp-table-a-range-2024-07-01-2024-07-03.json'), 'utf8') });
      const r = await fetchWith()({ source: 'nbp', day: '2024-07-03' });
      // The range's 2024-07-01 differs from what is stored for that day: it is not read, so no contradiction.
      assert.deepEqual(r, { status: 'imported', days: ['2024-07-02', '2024-07-03'], rates: 6, inserted: 6 });
      assert.deepEqual([await stored('2024-07-01', 'nbp'), await stored('2024-07-02', 'nbp'), await stored('2024-07-03', 'nbp')], [33, 3, 3]);
      const journal = await scheduleJournal();
      assert.deepEqual([journal?.outcome, journal?.path, journal?.headers['x-tollgate-rates-catch-up-from']], ['imported', `${rateServerUrl}${range}`, '2024-07-02']);
      const eur = await stack.request('GET', '/v1/exchange-rates?base=EUR&quote=PLN&source=nbp&date=2024-07-02');
      assert.deepEqual(eur.json.data.map((x: { rate: string; source_ref: string }) => [x.rate, x.source_ref]), [['4.3190', '127/A/NBP/2024']]);
      // Caught up: Thursday's fetch reads the latest table again.
      const before = seen.length;
      await fetchWith()({ source: 'nbp', day: '2024-07-04' });
      assert.deepEqual(seen.slice(before), ['/scheduled/nbp/tables/A/?format=json']);
      // Missed again (Thursday and Friday), and the range does not come (404 from the stand-in): the latest
      // table is read at once in its own row, so the day's fetch still brings what it can.
      const first = seen.length;
      assert.equal((await fetchWith()({ source: 'nbp', day: '2024-07-08' })).status, 'unchanged');
      assert.deepEqual(seen.slice(first), ['/scheduled/nbp/tables/A/2024-07-03/2024-07-08/?format=json', '/scheduled/nbp/tables/A/?format=json']);
      const rows = (await stack.pool.query<{ outcome: string; path: string }>(
        "SELECT outcome, path FROM inbound_requests WHERE channel = 'exchange_rates' AND source = 'schedule' ORDER BY id DESC LIMIT 2",
      )).rows.reverse();
      assert.deepEqual(rows.map((x) => [x.outcome, x.path.slice(rateServerUrl.length)]), [
        ['unreachable', '/scheduled/nbp/tables/A/2024-07-03/2024-07-08/?format=json'],
        ['duplicate', '/scheduled/nbp/tables/A/?format=json'],
      ]);
    });

    it('missed ECB days are caught up from eurofxref-hist-90d.xml beside the daily file, only the days after the last stored one; the next fetch is the daily file again', async () => {
      // The first test of this block stored Monday 2024-07-01; Tuesday 2024-07-02 was missed, this is Wednesday's fetch.
      const hist = '/scheduled/eurofxref-hist-90d.xml';
      scheduled.set(hist, { status: 200, body: readFileSync(fixturePath('ecb-eurofxref-hist-90d-2024-07-03.xml'), 'utf8') });
      const before = seen.length;
      const r = await fetchWith()({ source: 'ecb', day: '2024-07-03' });
      // The file's 2024-07-01 differs from what is stored for that day: it is not read, so no contradiction.
      assert.deepEqual(r, { status: 'imported', days: ['2024-07-02', '2024-07-03'], rates: 6, inserted: 6 });
      assert.deepEqual(seen.slice(before), [hist], 'the 90-day file, not the daily one');
      assert.deepEqual([await stored('2024-07-01', 'ecb'), await stored('2024-07-02', 'ecb'), await stored('2024-07-03', 'ecb')], [30, 3, 3]);
      const journal = await scheduleJournal();
      assert.deepEqual([journal?.outcome, journal?.path, journal?.headers['x-tollgate-rates-catch-up-from']], ['imported', `${rateServerUrl}${hist}`, '2024-07-02']);
      const pln = await stack.request('GET', '/v1/exchange-rates?base=EUR&quote=PLN&source=ecb&date=2024-07-02');
      assert.deepEqual(pln.json.data.map((x: { rate: string; date: string; source: string }) => [x.rate, x.date, x.source]), [['4.3190', '2024-07-02', 'ecb']]);
      // Caught up: Thursday's fetch reads the daily file again.
      const next = seen.length;
      assert.equal((await fetchWith()({ source: 'ecb', day: '2024-07-04' })).status, 'unchanged');
      assert.deepEqual(seen.slice(next), ['/scheduled/eurofxref-daily.xml']);
    });

    it('a source that is down fails the try (the workflow retries it) and imports nothing; a host outside OUTBOUND_ALLOWED_HOSTS is refused unasked, for good', async () => {
      scheduled.set('/scheduled/eurofxref-daily.xml', { status: 503, body: 'maintenance' });
      await assert.rejects(fetchWith()({ source: 'ecb', day: '2024-07-03' }), (err: Error) => {
        assert.equal(err.name, 'RatesSourceUnreachableError', 'retryable: not in RATES_FETCHING.nonRetryableErrorTypes');
        assert.match(err.message, /fetching the rates file failed: 127\.0\.0\.1 answered HTTP 503; nothing was imported/);
        return true;
      });
      // Nothing came, so nothing was malformed: the journal says the source did not answer.
      assert.deepEqual(await scheduleJournal().then((r) => [r?.outcome, r?.outcome_detail]), ['unreachable', 'fetching the rates file failed: 127.0.0.1 answered HTTP 503; nothing was imported']);
      // No answer at all (nobody listens on the port): the same.
      const closed = await freePort();
      await assert.rejects(fetchWith({ EXCHANGE_RATES_ECB_URL: `http://127.0.0.1:${closed}/eurofxref-daily.xml` })({ source: 'ecb', day: '2024-07-03' }), { name: 'RatesSourceUnreachableError', message: /127\.0\.0\.1 unreachable/ });
      assert.equal((await scheduleJournal())?.outcome, 'unreachable');
      // The same stand-in by a name the operator did not list: never asked.
      const before = seen.length;
      const port = new URL(rateServerUrl).port;
      await assert.rejects(fetchWith({ EXCHANGE_RATES_ECB_URL: `http://localhost:${port}/scheduled/eurofxref-daily.xml` })({ source: 'ecb', day: '2024-07-03' }), (err: Error) => {
        assert.equal(err.name, 'RatesHostRefusedError', 'not retried (activity-options.ts names it non-retryable)');
        assert.match(err.message, /^the host localhost is not in OUTBOUND_ALLOWED_HOSTS/);
        return true;
      });
      await assert.rejects(fetchWith({ EXCHANGE_RATES_ECB_URL: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml' })({ source: 'ecb', day: '2024-07-03' }), /the host www\.ecb\.europa\.eu is not in OUTBOUND_ALLOWED_HOSTS/);
      assert.equal(seen.length, before, 'no request left');
      assert.equal((await scheduleJournal())?.outcome, 'rejected_source', 'refused by the outbound rule, not malformed');
    });

    it('a listed name that resolves to this machine is asked: listing it is what lets a name reach a private address, so the address check never refuses a rates host', async () => {
      // The outbound rule (src/outbound/safe-request.ts) refuses a private address only for a host
      // not listed, and the rates rule asks only listed hosts: a name resolving to 127.0.0.1 is fetched.
      scheduled.set('/scheduled/named/eurofxref-daily.xml', { status: 200, body: ecbDay('2024-07-01') });
      const port = new URL(rateServerUrl).port;
      const asked: string[] = [];
      const activities = createExchangeRatesActivities({
        pool: stack.pool,
        exchangeRates: settings({ EXCHANGE_RATES_ECB_URL: `http://rates.internal.test:${port}/scheduled/named/eurofxref-daily.xml`, OUTBOUND_ALLOWED_HOSTS: parseOutboundAllowlist('rates.internal.test') }),
        ratesResolve: async (host) => {
          asked.push(host);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      });
      const before = seen.length;
      assert.deepEqual(await activities.fetchExchangeRates({ source: 'ecb', day: '2024-07-01' }), { status: 'unchanged', days: ['2024-07-01'], rates: 30, inserted: 0 });
      assert.deepEqual([asked, seen.slice(before)], [['rates.internal.test'], ['/scheduled/named/eurofxref-daily.xml']], 'resolved, checked and asked once');
      assert.deepEqual(await scheduleJournal().then((r) => [r?.outcome, r?.path]), ['duplicate', `http://rates.internal.test:${port}/scheduled/named/eurofxref-daily.xml`]);
    });

    it('an answer over EXCHANGE_RATE_MAX_BYTES, or rates contradicting those imported, are refused whole and not retried; a source not configured does nothing', async () => {
      scheduled.set('/scheduled/eurofxref-daily.xml', { status: 200, body: ecbDay('2024-07-04') });
      await assert.rejects(fetchWith({ EXCHANGE_RATE_MAX_BYTES: 1024 })({ source: 'ecb', day: '2024-07-04' }), { name: 'PayloadTooLargeError' });
      assert.equal((await scheduleJournal())?.outcome, 'rejected_too_large');
      assert.equal(await stored('2024-07-04', 'ecb'), 0);
      scheduled.set('/scheduled/eurofxref-daily.xml', { status: 200, body: ecbDay('2024-07-01').replace("rate='1.0705'", "rate='1.0800'") });
      await assert.rejects(fetchWith()({ source: 'ecb', day: '2024-07-04' }), { name: 'RatesContradictionError' });
      const journaled = (await stack.pool.query("SELECT count(*) AS n FROM inbound_requests WHERE channel = 'exchange_rates' AND source = 'schedule'")).rows[0]?.n;
      assert.deepEqual(await fetchWith({ EXCHANGE_RATES_FETCH: [{ source: 'nbp', at: '12:30' }] })({ source: 'ecb', day: '2024-07-04' }), { status: 'disabled' });
      assert.equal((await stack.pool.query("SELECT count(*) AS n FROM inbound_requests WHERE channel = 'exchange_rates' AND source = 'schedule'")).rows[0]?.n, journaled, 'not journaled either');
    });

    it('end to end: the loop on the real worker sleeps to its minute in Frankfurt, fetches, imports and continues as new', async () => {
      scheduled.set('/scheduled/ecb-e2e.xml', { status: 200, body: ecbDay('2024-07-05') });
      const client = createTemporalClient(stack.config);
      const workflowId = `${exchangeRatesWorkflowId('ecb')}-${randomUUID()}`;
      try {
        // The next whole minute in Europe/Berlin, at least 5 s ahead.
        const dueMs = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000;
        const at = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(dueMs);
        const handle = await client.workflow.start<typeof exchangeRatesWorkflow>('exchangeRatesWorkflow', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId, args: [{ source: 'ecb', at }] });
        const first = await handle.query(exchangeRatesNextQuery);
        assert.equal(Date.parse(first.at), dueMs);
        assert.equal(await stored('2024-07-05', 'ecb'), 0, 'nothing before its time');
        const next = await waitFor('the fetch', async () => {
          const q = await client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery);
          return q.lastDay === first.day ? q : undefined;
        }, 90_000);
        assert.equal(next.last, 'imported');
        assert.ok(Date.now() >= dueMs);
        assert.equal(await stored('2024-07-05', 'ecb'), 30);
        assert.ok(Date.parse(next.at) > dueMs + 23 * 3_600_000, 'the next run waits for tomorrow');
      } finally {
        await client.workflow.getHandle(workflowId).terminate('test done').catch(() => undefined);
        await client.connection.close();
      }
    });
  });

  async function customerIn(billingCurrency: string): Promise<string> {
    const res = await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'Anna Nowak', billing_currency: billingCurrency } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.billing_currency, billingCurrency);
    return res.json.id as string;
  }

  async function payInEur(customerId: string, gateway = 'sandbox', commissionMinor = 0n) {
    const payment = await createPayment(stack, customerId, { currency: 'EUR', amount: 1815, gateway });
    // A portal payment's amount holds the gateway's commission (the API has no field for it; the portal sets it at creation).
    if (commissionMinor > 0n) await stack.pool.query({ text: 'UPDATE payments SET commission_minor = $2::bigint WHERE id = $1', values: [payment.id, commissionMinor.toString()] });
    const approve = await stack.request('POST', `${new URL(payment.checkout_url).pathname}/approve`, { key: null });
    assert.equal(approve.status, 303);
    return waitFor(`payment ${payment.id} to succeed with its event`, async () => {
      const events = await stack.request('GET', `/v1/events?after=0&aggregate_id=${payment.id}`);
      return events.json.data.find((e: { type: string }) => e.type === 'payment.succeeded') as { payload: Record<string, unknown> } | undefined;
    });
  }

  it('a PLN customer paying EUR through the sandbox: the rate of the booking day and the converted amount are recorded and in payment.succeeded', async () => {
    // Today's ECB day, as the daily file would give it (UTC is the default EXCHANGE_RATE_TIME_ZONE).
    const today = new Date().toISOString().slice(0, 10);
    const imported = await stack.request('POST', '/v1/exchange-rates/imports?source=ecb', { raw: ECB.replace("time='2024-06-28'", `time='${today}'`) });
    assert.ok(imported.status === 201 || imported.status === 200, imported.text);

    const succeeded = await payInEur(await customerIn('PLN'));
    const conversion = { billing_currency: 'PLN', booking_day: today, status: 'converted', rate: '4.3090', rate_date: today, source: 'ecb', method: 'direct', converted_amount: 7821, reason: null };
    assert.deepEqual(succeeded.payload.conversion, conversion, '18.15 EUR × 4.3090 = 78.20835 → 78.21 PLN');
    assert.equal(succeeded.payload.currency, 'EUR');
    const row = await stack.pool.query({ text: 'SELECT rate::text AS rate, converted_amount_minor, status FROM payment_conversions WHERE payment_id = $1', values: [succeeded.payload.payment_id] });
    assert.deepEqual(row.rows, [{ rate: '4.3090', converted_amount_minor: 7821n, status: 'converted' }]);
    const payment = await stack.request('GET', `/v1/payments/${String(succeeded.payload.payment_id)}`);
    assert.deepEqual(payment.json.conversion, conversion);
  });

  it('a payment with a commission converts what it credits (amount − commission), not what the gateway charged', async () => {
    const succeeded = await payInEur(await customerIn('PLN'), 'sandbox', 115n);
    assert.equal(succeeded.payload.credited_amount, 1700);
    const conversion = succeeded.payload.conversion as { converted_amount: number; rate: string };
    assert.equal(conversion.rate, '4.3090');
    assert.equal(conversion.converted_amount, 7325, '17.00 EUR × 4.3090 = 73.253 → 73.25 PLN (18.15 EUR would be 78.21)');
  });

  it('a deferred gateway\'s temporary payment carries the same conversion in its events', async () => {
    const succeeded = await payInEur(await customerIn('PLN'), 'sandbox_deferred');
    // Read from the table rather than paged from the feed: the run's other files share the database.
    const created = await waitFor('temporary_payment.created', async () => {
      const res = await stack.pool.query<{ payload: Record<string, unknown> }>({
        text: "SELECT payload FROM events WHERE type = 'temporary_payment.created' AND payload->>'payment_id' = $1",
        values: [succeeded.payload.payment_id],
      });
      return res.rows[0];
    });
    assert.deepEqual(created.payload.conversion, succeeded.payload.conversion);
    assert.equal((created.payload.conversion as { converted_amount: number }).converted_amount, 7821);
  });

  it('with no rate known the success is still recorded, the conversion marked missing in the row and the event', async () => {
    const succeeded = await payInEur(await customerIn('UAH'));
    assert.equal(succeeded.payload.status, 'succeeded');
    assert.deepEqual(succeeded.payload.conversion, {
      billing_currency: 'UAH', booking_day: new Date().toISOString().slice(0, 10), status: 'missing', rate: null, rate_date: null, source: null, method: null, converted_amount: null,
      reason: `no EUR/UAH rate dated ${new Date().toISOString().slice(0, 10)} or up to 7 days before`,
    });
    const payment = await stack.request('GET', `/v1/payments/${String(succeeded.payload.payment_id)}`);
    assert.equal(payment.json.status, 'succeeded');
  });

  it('a conversion that cannot be done (an amount beyond JSON integers) is recorded missing with why, and the success goes ahead', async () => {
    const today = new Date().toISOString().slice(0, 10);
    // 18.15 EUR × 999999999999 = 1.8e13 KWD = 1.8e16 fils: a bigint Postgres keeps, no JSON number an event can carry.
    const set = await stack.request('PUT', '/v1/exchange-rates', { body: { base: 'EUR', quote: 'KWD', date: today, rate: '999999999999' } });
    assert.ok(set.status === 201 || set.status === 200, set.text);
    const succeeded = await payInEur(await customerIn('KWD'));
    assert.equal(succeeded.payload.status, 'succeeded');
    const conversion = succeeded.payload.conversion as { status: string; converted_amount: null; rate: null; reason: string };
    assert.deepEqual([conversion.status, conversion.rate, conversion.converted_amount], ['missing', null, null]);
    assert.match(conversion.reason, /^the conversion failed: amount \d+ does not fit a JSON integer$/);
    const payment = await stack.request('GET', `/v1/payments/${String(succeeded.payload.payment_id)}`);
    assert.equal(payment.json.status, 'succeeded');
    assert.equal(payment.json.conversion.reason, conversion.reason);
  });

  it('a customer without a billing currency, or paying in it, is not converted', async () => {
    const succeeded = await payInEur(await customerIn('EUR'));
    assert.equal(succeeded.payload.conversion, undefined);
    const none = await stack.pool.query({ text: 'SELECT 1 FROM payment_conversions WHERE payment_id = $1', values: [succeeded.payload.payment_id] });
    assert.equal(none.rowCount, 0);
    // A billing currency removed with PATCH stops the conversion of the next payment.
    const customerId = await customerIn('PLN');
    const cleared = await stack.request('PATCH', `/v1/customers/${customerId}`, { body: { billing_currency: null } });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.json.billing_currency, null);
    assert.equal((await stack.request('PATCH', `/v1/customers/${customerId}`, { body: { billing_currency: 'pln' } })).status, 400);
    const later = await payInEur(customerId);
    assert.equal(later.payload.conversion, undefined);
    assert.equal((await stack.request('GET', `/v1/payments/${String(later.payload.payment_id)}`)).json.conversion, undefined);
  });
});
