import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { UnprocessableContentError } from '../../src/domain/errors.js';
import { parseEcb } from '../../src/rates/ecb.js';
import { parseRatesFile } from '../../src/rates/import.js';
import { parseNbp } from '../../src/rates/nbp.js';
import { RatesFileError } from '../../src/rates/types.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/rates/${name}`, import.meta.url), 'utf8');
const ECB = fixture('ecb-eurofxref-daily-2024-06-28.xml');
const NBP_JSON = fixture('nbp-table-a-2024-06-28.json');
const NBP_XML = fixture('nbp-table-a-2024-06-28.xml');

/** The failure's place and reason, so a test names the cause rather than "it threw". */
function refusal(fn: () => unknown): { where: string; reason: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RatesFileError, `expected a RatesFileError, got ${String(err)}`);
    return { where: err.where, reason: err.reason };
  }
  assert.fail('the file was accepted');
}

describe('ECB eurofxref XML', () => {
  it('reads a whole published day: 30 EUR → X rates, digits exactly as published', () => {
    const parsed = parseEcb(ECB);
    assert.deepEqual(parsed.days, ['2024-06-28']);
    assert.equal(parsed.rates.length, 30);
    assert.deepEqual(parsed.rates[0], { base: 'EUR', quote: 'USD', rate: '1.0705', date: '2024-06-28', sourceRef: null });
    const byCode = new Map(parsed.rates.map((r) => [r.quote, r.rate]));
    assert.equal(byCode.get('PLN'), '4.3090', 'the trailing zero is kept: a string, never a float');
    assert.equal(byCode.get('HUF'), '395.10');
    assert.equal(byCode.get('IDR'), '17487.21');
  });

  it('reads several days (the eurofxref-hist-90d shape)', () => {
    const two = ECB.replace("<Cube time='2024-06-28'>", "<Cube time='2024-06-28'>").replace(/(\t\t<\/Cube>\n\t<\/Cube>)/, "\t\t</Cube>\n\t\t<Cube time='2024-06-27'><Cube currency='USD' rate='1.0703'/></Cube>\n\t</Cube>");
    const parsed = parseEcb(two);
    assert.deepEqual(parsed.days, ['2024-06-27', '2024-06-28']);
    assert.equal(parsed.rates.length, 31);
  });

  it('refuses malformed files, naming where', () => {
    assert.deepEqual(refusal(() => parseEcb(ECB.replace("rate='1.0705'", "rate='1,0705'"))).where, 'Envelope/Cube/Cube[1]/Cube[1]/@rate');
    assert.match(refusal(() => parseEcb(ECB.replace("rate='171.94'", "rate='0'"))).reason, /above zero/);
    assert.match(refusal(() => parseEcb(ECB.replace("rate='171.94'", "rate='1.7e2'"))).reason, /plain decimal/);
    assert.match(refusal(() => parseEcb(ECB.replace("currency='JPY'", "currency='USD'"))).reason, /USD appears twice/);
    assert.match(refusal(() => parseEcb(ECB.replace("currency='JPY'", "currency='jpy'"))).reason, /ISO 4217/);
    assert.match(refusal(() => parseEcb(ECB.replace("currency='JPY'", "currency='EUR'"))).reason, /euro rate against the euro/);
    assert.deepEqual(refusal(() => parseEcb(ECB.replace('2024-06-28', '2024-02-30'))).where, 'Envelope/Cube/Cube[1]/@time');
    assert.match(refusal(() => parseEcb(ECB.replace(" rate='1.0705'", ''))).reason, /rate attribute is missing/);
    assert.match(refusal(() => parseEcb(ECB.replace('</gesmes:Envelope>', ''))).reason, /not well-formed/);
    assert.match(refusal(() => parseEcb(ECB.replace('vocabulary/2002-08-01/eurofxref', 'vocabulary/other'))).reason, /namespace/);
    assert.match(refusal(() => parseEcb(NBP_XML)).reason, /no gesmes:Envelope/);
    assert.match(refusal(() => parseEcb(ECB.replace(/<Cube time=[\s\S]*?<\/Cube>\n\t<\/Cube>/, '</Cube>'))).reason, /no day/);
  });

  it('refuses a DOCTYPE or ENTITY before any parser sees it (billion laughs, external entities)', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${ECB.replace(/^<\?xml[^>]*>/, '').replace("'USD'", "'&lol2;'")}`;
    const r = refusal(() => parseEcb(laughs));
    assert.match(r.reason, /<!DOCTYPE> declaration is not allowed in a rates file/);
    assert.equal(r.where, 'line 1');
  });
});

describe('hostile rates files', () => {
  it('a megabyte start tag full of would-be namespace declarations is refused in linear time', () => {
    const evil = `<Envelope a="${" xmlns='x".repeat(200_000)}"><Cube/></Envelope>`;
    const started = performance.now();
    assert.match(refusal(() => parseEcb(evil)).reason, /namespace is missing/);
    const json = `[${'{"mid":'.repeat(1)}1}${' '.repeat(1_000_000)}]`;
    assert.match(refusal(() => parseNbp(json)).reason, /.+/);
    assert.ok(performance.now() - started < 3000, `took ${Math.round(performance.now() - started)} ms`);
  });
});

describe('NBP table A (Web API)', () => {
  it('reads the JSON answer: X → PLN mid rates per one unit, digits exactly as written', () => {
    const parsed = parseNbp(NBP_JSON);
    assert.deepEqual(parsed.days, ['2024-06-28']);
    assert.equal(parsed.rates.length, 33);
    const eur = parsed.rates.find((r) => r.base === 'EUR');
    assert.deepEqual(eur, { base: 'EUR', quote: 'PLN', rate: '4.3090', date: '2024-06-28', sourceRef: '125/A/NBP/2024' });
    assert.equal(parsed.rates.find((r) => r.base === 'IDR')?.rate, '0.00024641');
    assert.equal(parsed.rates.find((r) => r.base === 'XDR')?.rate, '5.3228');
  });

  it('reads the XML answer (?format=xml) to the same rates', () => {
    assert.deepEqual(parseNbp(NBP_XML), parseNbp(NBP_JSON));
  });

  it('takes a single table object, and several tables (a date range)', () => {
    const one = JSON.parse(NBP_JSON) as unknown[];
    assert.equal(parseNbp(JSON.stringify(one[0])).rates.length, 33);
    const second = NBP_JSON.slice(1, -1).replace('125/A/NBP/2024', '124/A/NBP/2024').replace('"2024-06-28"', '"2024-06-27"');
    const both = parseNbp(`[${second},${NBP_JSON.slice(1, -1)}]`);
    assert.deepEqual(both.days, ['2024-06-27', '2024-06-28']);
    assert.equal(both.rates.length, 66);
  });

  it('a string that merely contains "mid": is not mistaken for a rate', () => {
    const tricky = NBP_JSON.replace('"bat (Tajlandia)"', '"bat \\"mid\\":9.9 (Tajlandia)"');
    assert.equal(parseNbp(tricky).rates[0]?.rate, '0.1096');
  });

  it('refuses malformed tables, naming where', () => {
    assert.deepEqual(refusal(() => parseNbp(NBP_JSON.replace('"table":"A"', '"table":"C"'))), { where: '[0].table', reason: 'table "C" is not table A (only table A mid rates are imported)' });
    assert.equal(refusal(() => parseNbp(NBP_JSON.replace('"mid":0.1096', '"mid":"0.1096"'))).where, '[0].rates[0].mid');
    assert.match(refusal(() => parseNbp(NBP_JSON.replace('"mid":0.1096', '"mid":1e-1'))).reason, /plain decimal/);
    assert.match(refusal(() => parseNbp(NBP_JSON.replace('"mid":0.1096', '"mid":-0.1096'))).reason, /plain decimal/);
    assert.match(refusal(() => parseNbp(NBP_JSON.replace('"code":"USD"', '"code":"THB"'))).reason, /THB appears twice/);
    assert.match(refusal(() => parseNbp(NBP_JSON.replace('"code":"USD"', '"code":"PLN"'))).reason, /złoty/);
    assert.equal(refusal(() => parseNbp(NBP_JSON.replace('2024-06-28', '28.06.2024'))).where, '[0].effectiveDate');
    assert.equal(refusal(() => parseNbp(NBP_JSON.replace('125/A/NBP/2024', '125/B/NBP/2024'))).where, '[0].no');
    assert.match(refusal(() => parseNbp(NBP_JSON.slice(0, -3))).reason, /not valid JSON/);
    assert.match(refusal(() => parseNbp('[]')).reason, /no table/);
    assert.equal(refusal(() => parseNbp(NBP_XML.replace('<Mid>0.1096</Mid>', '<Mid>0,1096</Mid>'))).where, 'ArrayOfExchangeRatesTable/ExchangeRatesTable[1].rates[0].mid');
    assert.match(refusal(() => parseNbp(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${NBP_XML}`)).reason, /DOCTYPE/);
  });
});

describe('parseRatesFile (the import edge)', () => {
  it('turns an unreadable file into a 422 naming the place, and refuses empty and non-UTF-8 files', () => {
    const err = (() => {
      try {
        parseRatesFile('ecb', Buffer.from(ECB.replace("rate='1.0705'", "rate='x'")));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof UnprocessableContentError);
    assert.match(err.message, /^the rates file cannot be read: .* \(at Envelope\/Cube\/Cube\[1\]\/Cube\[1\]\/@rate\); nothing was imported$/);
    assert.deepEqual(err.details?.errors, [{ path: 'Envelope/Cube/Cube[1]/Cube[1]/@rate', message: '"x" is not a plain decimal rate (digits, optionally "." and up to 12 decimals)' }]);
    assert.throws(() => parseRatesFile('nbp', Buffer.from('  \n')), /the file is empty/);
    assert.throws(() => parseRatesFile('nbp', Buffer.from([0x5b, 0xff, 0x5d])), /not UTF-8/);
    assert.equal(parseRatesFile('nbp', Buffer.from(`\uFEFF${NBP_JSON}`)).rates.length, 33);
  });
});
