import { isCurrencyCode } from '../domain/money.js';
import { rateProblem } from './decimal.js';
import { numberTextsOf } from './json-numbers.js';
import { isIsoDay, type ParsedRate, type ParsedRates, RatesFileError } from './types.js';
import { child, children, parseRatesXml, text, type XmlNode } from './xml.js';

/**
 * NBP (Narodowy Bank Polski) table A of average exchange rates ("tabela A kursów średnich walut
 * obcych"), as the NBP Web API publishes it (https://api.nbp.pl/en.html, "Queries for complete
 * tables": /api/exchangerates/tables/A/, /tables/A/{date}/, /tables/A/{startDate}/{endDate}/).
 * The reply is JSON by default or XML with ?format=xml, both an array of tables:
 *
 *   JSON  [{ "table": "A", "no": "001/A/NBP/2024", "effectiveDate": "2024-01-02",
 *            "rates": [{ "currency": "dolar amerykański", "code": "USD", "mid": 3.9432 }, …] }]
 *   XML   <ArrayOfExchangeRatesTable><ExchangeRatesTable><Table>A</Table><No>…</No>
 *           <EffectiveDate>…</EffectiveDate><Rates><Rate><Currency>…</Currency><Code>USD</Code>
 *           <Mid>3.9432</Mid></Rate>…</Rates></ExchangeRatesTable></ArrayOfExchangeRatesTable>
 *
 * `mid` is PLN per one unit of the currency (the API gives HUF, JPY… per unit too, unlike the
 * older nbp.pl XML files, which are not read here). A single table object (not in an array) is
 * taken as well. Tables B (weekly, other currencies) and C (bid/ask) are refused: only A's mid
 * rates are the reference rate Polish accounting uses.
 */
const TABLE_NO = /^\d{1,3}\/A\/NBP\/\d{4}$/;

interface Table { table: unknown; no: unknown; effectiveDate: unknown; rates: Array<{ code: unknown; mid: string | undefined }>; where: string }

export function parseNbp(body: string): ParsedRates {
  const trimmed = body.trimStart();
  const tables = trimmed.startsWith('<') ? xmlTables(trimmed) : jsonTables(trimmed);
  if (tables.length === 0) throw new RatesFileError('the file holds no table', 'document');
  const rates: ParsedRate[] = [];
  const days = new Set<string>();
  for (const t of tables) {
    if (t.table !== 'A') throw new RatesFileError(`table "${String(t.table).slice(0, 10)}" is not table A (only table A mid rates are imported)`, `${t.where}.table`);
    const no = t.no;
    if (typeof no !== 'string' || !TABLE_NO.test(no)) throw new RatesFileError(`"${String(no).slice(0, 40)}" is not a table A number (such as 001/A/NBP/2024)`, `${t.where}.no`);
    const day = t.effectiveDate;
    if (typeof day !== 'string' || !isIsoDay(day)) throw new RatesFileError(`effectiveDate "${String(day).slice(0, 40)}" is not a date (YYYY-MM-DD)`, `${t.where}.effectiveDate`);
    if (days.has(day)) throw new RatesFileError(`two tables are effective on ${day}`, `${t.where}.effectiveDate`);
    days.add(day);
    if (t.rates.length === 0) throw new RatesFileError(`table ${no} holds no rates`, `${t.where}.rates`);
    const seen = new Set<string>();
    t.rates.forEach((r, i) => {
      const where = `${t.where}.rates[${i}]`;
      if (typeof r.code !== 'string' || !isCurrencyCode(r.code)) throw new RatesFileError(`code "${String(r.code).slice(0, 20)}" is not an ISO 4217 code`, `${where}.code`);
      if (r.code === 'PLN') throw new RatesFileError('a złoty rate against the złoty', `${where}.code`);
      if (seen.has(r.code)) throw new RatesFileError(`${r.code} appears twice in table ${no}`, `${where}.code`);
      seen.add(r.code);
      const problem = r.mid === undefined ? 'mid is missing or not a number' : rateProblem(r.mid);
      if (problem) throw new RatesFileError(problem, `${where}.mid`);
      rates.push({ base: r.code, quote: 'PLN', rate: r.mid as string, date: day, sourceRef: no });
    });
  }
  return { source: 'nbp', days: [...days].sort(), rates };
}

function jsonTables(json: string): Table[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new RatesFileError(`not valid JSON: ${err instanceof Error ? err.message.slice(0, 160) : String(err)}`, 'document');
  }
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const mids = numberTextsOf(json, 'mid');
  let next = 0;
  const tables = list.map((t, i): Table => {
    const where = Array.isArray(value) ? `[${i}]` : '$';
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new RatesFileError('a table must be an object', where);
    const o = t as Record<string, unknown>;
    if (!Array.isArray(o.rates)) throw new RatesFileError('rates must be an array', `${where}.rates`);
    const rates = (o.rates as unknown[]).map((r, j) => {
      if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new RatesFileError('a rate must be an object', `${where}.rates[${j}]`);
      const e = r as Record<string, unknown>;
      if (typeof e.mid !== 'number') return { code: e.code, mid: undefined };
      // The lexer's texts come in document order; the parsed value must be the same number.
      const raw = mids[next++];
      if (raw === undefined || Number(raw) !== e.mid) throw new RatesFileError('mid cannot be read exactly (a member named "mid" outside a rate?)', `${where}.rates[${j}].mid`);
      return { code: e.code, mid: raw };
    });
    return { table: o.table, no: o.no, effectiveDate: o.effectiveDate, rates, where };
  });
  if (next !== mids.length) throw new RatesFileError('the file has "mid" members outside the tables\' rates', 'document');
  return tables;
}

function xmlTables(xml: string): Table[] {
  const root = parseRatesXml(xml);
  const array = root.ArrayOfExchangeRatesTable as XmlNode | undefined;
  const list = array !== undefined ? children(array, 'ExchangeRatesTable') : children(root, 'ExchangeRatesTable');
  if (array === undefined && list.length === 0) throw new RatesFileError('not an NBP table (no ArrayOfExchangeRatesTable or ExchangeRatesTable element)', 'document');
  return list.map((t, i) => {
    const where = array !== undefined ? `ArrayOfExchangeRatesTable/ExchangeRatesTable[${i + 1}]` : 'ExchangeRatesTable';
    const rates = children(child(t, 'Rates'), 'Rate').map((r) => ({ code: text(child(r, 'Code')), mid: text(child(r, 'Mid')) }));
    return { table: text(child(t, 'Table')), no: text(child(t, 'No')), effectiveDate: text(child(t, 'EffectiveDate')), rates, where };
  });
}
