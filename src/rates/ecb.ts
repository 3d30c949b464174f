import { isCurrencyCode } from '../domain/money.js';
import { rateProblem } from './decimal.js';
import { isIsoDay, type ParsedRate, type ParsedRates, RatesFileError } from './types.js';
import { XMLParser } from 'fast-xml-parser';
import { attribute, child, children, parseRatesXml, type XmlNode } from './xml.js';

/**
 * The ECB's euro foreign exchange reference rates, as published at
 * https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml (one day) and
 * eurofxref-hist-90d.xml / eurofxref-hist.xml (many days, same shape), described on "Euro
 * foreign exchange reference rates" (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/
 * euro_reference_exchange_rates/html/index.en.html). A GESMES envelope
 * (xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01") whose default namespace is
 * http://www.ecb.int/vocabulary/2002-08-01/eurofxref, holding
 *
 *   <Cube>                                   one, unattributed
 *     <Cube time="2024-06-28">               one per TARGET business day
 *       <Cube currency="USD" rate="1.0705"/> 1 EUR = rate units of currency
 *
 * The rates are "for information purposes only" and published around 16:00 CET; each is EUR → X.
 * Read strictly: every day needs a real date, every entry an ISO 4217 code and a plain decimal
 * rate, and nothing may repeat; a file that breaks any of that imports nothing.
 */
export const ECB_NAMESPACE = 'http://www.ecb.int/vocabulary/2002-08-01/eurofxref';

export function parseEcb(xml: string): ParsedRates {
  const root = parseRatesXml(xml);
  const envelope = root.Envelope as XmlNode | undefined;
  if (envelope === undefined || typeof envelope === 'string') {
    throw new RatesFileError('not an ECB reference rates file (no gesmes:Envelope element)', 'document');
  }
  const ns = envelopeNamespace(xml);
  if (ns !== ECB_NAMESPACE) {
    throw new RatesFileError(`the envelope's default namespace is ${ns === undefined ? 'missing' : `"${ns.slice(0, 100)}"`}, not the ECB's ${ECB_NAMESPACE}`, 'Envelope');
  }
  const outer = children(envelope, 'Cube');
  if (outer.length !== 1) throw new RatesFileError(`the envelope holds ${outer.length} Cube elements, not one`, 'Envelope/Cube');
  const dayCubes = children(outer[0], 'Cube');
  if (dayCubes.length === 0) throw new RatesFileError('the file holds no day (no Cube with a time attribute)', 'Envelope/Cube/Cube');
  const rates: ParsedRate[] = [];
  const days = new Set<string>();
  dayCubes.forEach((day, i) => {
    const at = `Envelope/Cube/Cube[${i + 1}]`;
    const time = attribute(day, 'time');
    if (time === undefined || !isIsoDay(time)) throw new RatesFileError(`time "${time ?? ''}" is not a date (YYYY-MM-DD)`, `${at}/@time`);
    if (days.has(time)) throw new RatesFileError(`the day ${time} appears twice`, `${at}/@time`);
    days.add(time);
    const entries = children(day, 'Cube');
    if (entries.length === 0) throw new RatesFileError(`the day ${time} holds no rates`, at);
    const seen = new Set<string>();
    entries.forEach((entry, j) => {
      const where = `${at}/Cube[${j + 1}]`;
      const currency = attribute(entry, 'currency');
      const rate = attribute(entry, 'rate');
      if (currency === undefined || !isCurrencyCode(currency)) throw new RatesFileError(`currency "${currency ?? ''}" is not an ISO 4217 code`, `${where}/@currency`);
      if (currency === 'EUR') throw new RatesFileError('a euro rate against the euro', `${where}/@currency`);
      if (seen.has(currency)) throw new RatesFileError(`${currency} appears twice on ${time}`, `${where}/@currency`);
      seen.add(currency);
      const problem = rate === undefined ? 'the rate attribute is missing' : rateProblem(rate);
      if (problem) throw new RatesFileError(problem, `${where}/@rate`);
      if (child(entry, 'Cube') !== undefined) throw new RatesFileError('a rate entry holds further Cube elements', where);
      rates.push({ base: 'EUR', quote: currency, rate: rate as string, date: time, sourceRef: null });
    });
  });
  return { source: 'ecb', days: [...days].sort(), rates };
}

// Keeps namespace declarations, which the tree parser drops (removeNSPrefix): it reads only the
// envelope's start tag, which parseRatesXml has already checked is well-formed.
const startTagParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false, removeNSPrefix: false });

/**
 * The envelope's default namespace — the ECB vocabulary every Cube belongs to — from its start
 * tag, cut out with a linear scan that steps over quoted attribute values (a '>' may sit in one).
 */
function envelopeNamespace(xml: string): string | undefined {
  const open = /<((?:[\w.-]{1,50}:)?Envelope)\b/.exec(xml);
  if (!open) return undefined;
  let quote: string | undefined;
  let i = open.index + open[0].length;
  for (; i < xml.length; i++) {
    const ch = xml[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') break;
  }
  const tag = xml.slice(open.index, i + 1);
  const element = (startTagParser.parse(tag.endsWith('/>') ? tag : `${tag}</${open[1] ?? ''}>`) as Record<string, unknown>)[open[1] ?? ''];
  const ns = element !== null && typeof element === 'object' ? (element as Record<string, unknown>)['@_xmlns'] : undefined;
  return typeof ns === 'string' ? ns : undefined;
}
