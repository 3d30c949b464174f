import { XMLParser } from 'fast-xml-parser';
import { assertNoDoctype, assertWellFormed, type XmlValue } from '../statements/camt-node.js';
import { StatementParseError } from '../statements/errors.js';
import { RatesFileError } from './types.js';

export { attribute, child, children, text, type XmlNode } from '../statements/camt-node.js';

/** Elements read as lists wherever they appear, so a one-day file reads like a long one. */
const REPEATING: ReadonlySet<string> = new Set(['Cube', 'ExchangeRatesTable', 'Rate']);

// The statement parser's settings (src/statements/camt-node.ts): values stay strings ("4.3090"
// is a rate for string arithmetic, never a number), namespaces prefixes dropped.
const parser = new XMLParser({
  maxNestedTags: 20,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATING.has(name),
});

/**
 * Reads a rates XML file the way statements are read: a DOCTYPE or ENTITY anywhere is refused
 * before any parser sees it (no entity expansion, no external files), then the text must be
 * well-formed, then it becomes a tree of strings.
 */
export function parseRatesXml(xml: string): Record<string, XmlValue> {
  try {
    assertNoDoctype(xml);
    assertWellFormed(xml);
    return parser.parse(xml) as Record<string, XmlValue>;
  } catch (err) {
    if (err instanceof StatementParseError) throw new RatesFileError(err.reason.replace('a statement file', 'a rates file'), err.where);
    const reason = err instanceof Error ? err.message : String(err);
    throw new RatesFileError(`the XML cannot be read: ${reason.slice(0, 200)}`, 'document');
  }
}
