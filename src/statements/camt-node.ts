import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { StatementParseError } from './errors.js';

/**
 * fast-xml-parser output, read defensively: an element is a string (text only), an object
 * (children, attributes as '@_x', text as '#text') or, for the tags listed below, an array.
 */
export type XmlNode = string | { [key: string]: XmlValue };
export type XmlValue = XmlNode | XmlNode[];

// Elements that may repeat where we read them; always arrays so a one-entry file reads like a big one.
export const REPEATING: ReadonlySet<string> = new Set(['Stmt', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'AddtlRmtInf']);

/** fast-xml-parser's own default, named so the refusal can say it. */
const MAX_NESTING = 100;

const parser = new XMLParser({
  maxNestedTags: MAX_NESTING,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Values stay strings: "000000001" is a reference, "8.850" an amount for string arithmetic.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATING.has(name),
});

// A document type declaration can define entities (billion laughs, external files); no bank's
// camt carries one, so any is refused before a parser sees it. Case-insensitive: refusing
// "<!doctype" too costs nothing.
const DECLARATION = /^<!(DOCTYPE|ENTITY)/i;

/**
 * Refuses a DOCTYPE or ENTITY declaration anywhere in the text, naming it and its line. Every
 * "<!" is found with indexOf and only its next characters are tested: a camt file has few (its
 * comments), and a case-insensitive search of all 27 MB cost 2 % of parsing one.
 */
export function assertNoDoctype(text: string): void {
  for (let at = text.indexOf('<!'); at !== -1; at = text.indexOf('<!', at + 2)) {
    const m = DECLARATION.exec(text.slice(at, at + 9));
    if (!m) continue;
    const line = text.slice(0, at).split('\n').length;
    const what = (m[1] ?? '').toUpperCase();
    throw new StatementParseError(`a <!${what}> declaration is not allowed in a statement file (it can define entities)`, `line ${line}`);
  }
}

/**
 * Refuses a file that is not well-formed XML, before anything is read. The validator walks the
 * text without building a tree, so it costs time (about 20 ms per MB) but no memory.
 */
export function assertWellFormed(text: string): void {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new StatementParseError(`not well-formed XML: ${valid.err.msg}`, `line ${valid.err.line}`);
  }
}

/**
 * Parses XML that assertWellFormed has passed: a whole document or one element cut out of it.
 * The parser still refuses some well-formed files (elements nested deeper than its limit of 100,
 * which no camt comes near) with a plain Error; that is a file that cannot be read, named as such,
 * not a failure of ours. `where` is the element the text is (the document, or an entry cut out).
 */
export function parseTree(text: string, where = 'Document'): Record<string, XmlValue> {
  try {
    return parser.parse(text) as Record<string, XmlValue>;
  } catch (err) {
    if (err instanceof StatementParseError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    const nested = /nested/i.test(reason) ? ` (elements nest deeper than ${MAX_NESTING} levels)` : '';
    throw new StatementParseError(`the XML cannot be read: ${reason.slice(0, 200)}${nested}`, where);
  }
}

export function child(node: XmlValue | undefined, name: string): XmlNode | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

export function children(node: XmlValue | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Follows a path of single children: path(ntry, 'BookgDt', 'Dt'). */
export function path(node: XmlValue | undefined, ...names: string[]): XmlNode | undefined {
  let current: XmlNode | undefined = node as XmlNode | undefined;
  for (const name of names) current = child(current, name);
  return current;
}

/** The text of an element (with or without attributes); undefined when absent or empty. */
export function text(node: XmlNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  const value = typeof node === 'string' ? node : node['#text'];
  // With parseTagValue off, text is always a string; anything else is not text.
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first of several paths that has text. */
export function firstText(node: XmlNode | undefined, ...paths: string[][]): string | undefined {
  for (const p of paths) {
    const found = text(path(node, ...p));
    if (found !== undefined) return found;
  }
  return undefined;
}
