import { REPEATING, type XmlNode, type XmlValue } from './camt-node.js';
import { AMPERSAND, APOSTROPHE, BANG, EQUALS, GT, LT, QUESTION, QUOTE, SLASH } from './xml-chars.js';

/**
 * The tree of one camt entry (an Ntry cut out by camt-split.ts) built by a plain scan, for the
 * markup banks actually write: elements, quoted attributes, text and the five predefined entities
 * (XML 1.0 §4.6). It gives exactly what fast-xml-parser gives with camt-node.ts's options — same
 * shape, same trimming, same arrays — at a fraction of the cost (the parser was most of a 50,000
 * entry upload). Anything outside that subset returns undefined and the caller parses the entry
 * with fast-xml-parser as before: comments, CDATA, processing instructions, character references
 * (how they decode depends on the XML version), other entities, namespace prefixes (the parser
 * strips them), xmlns attributes, mixed content, and whatever does not scan as expected. The
 * caller has validated the whole document (assertWellFormed) and refused DOCTYPE and ENTITY
 * declarations, so nothing here expands entities and nothing new is accepted: a fragment this
 * scan is unsure about is the parser's, with its errors.
 * test/unit/statements-entry-tree.test.ts holds the two to the same trees.
 */

// The predefined entities of XML 1.0 §4.6; fast-xml-parser decodes these (and &amp; last, so "&amp;lt;" is "&lt;").
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Whitespace that ends a tag name or separates attributes (XML 1.0 §2.3 S). */
function isS(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

// The names camt uses. fast-xml-parser ends a name at any /\s/, Unicode spaces included, where
// this scan stops only at XML's own; a name outside this set is left to the parser.
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * A name the scan takes: plain, and not a property every object inherits (`toString`,
 * `constructor`, `__proto__`, …) — on a plain object those would be found as an "existing" child,
 * and fast-xml-parser renames some of them (`__toString`); such an entry is the parser's.
 */
function takesName(name: string): boolean {
  const known = NAMES_SEEN.get(name);
  if (known !== undefined) return known;
  const takes = PLAIN_NAME.test(name) && !(name in Object.prototype) && name !== 'prototype';
  // A file repeats a few dozen names 50,000 times each; the test was 8 % of parsing one. Bounded,
  // so a file of a million distinct names does not grow the map (those are tested each time).
  if (NAMES_SEEN.size < MAX_NAMES_SEEN) NAMES_SEEN.set(name, takes);
  return takes;
}

const NAMES_SEEN = new Map<string, boolean>();
const MAX_NAMES_SEEN = 1024;

/** Decodes the predefined entities; undefined when the text holds any other `&` (the parser's case). */
function decoded(raw: string): string | undefined {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp + 1);
    const name = semi === -1 ? undefined : raw.slice(amp + 1, semi);
    // Own keys only: `&constructor;` must not find Object.prototype's (the parser leaves it as it is).
    const value = name !== undefined && Object.hasOwn(PREDEFINED, name) ? PREDEFINED[name] : undefined;
    if (value === undefined) return undefined;
    out += raw.slice(from, amp) + value;
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

interface Open {
  name: string;
  node: Record<string, XmlValue>;
  hasAttributes: boolean;
  hasChildren: boolean;
  text: string;
}

function addChild(parent: Record<string, XmlValue>, name: string, value: XmlNode): void {
  const existing = parent[name];
  if (existing === undefined) parent[name] = REPEATING.has(name) ? [value] : value;
  else if (Array.isArray(existing)) existing.push(value);
  else parent[name] = [existing, value];
}

/**
 * Reads the attributes of a start tag (the text between its name and `>` or `/>`) into `node` as
 * '@_name', trimmed and decoded. Whether it had any; undefined when one is outside the subset.
 */
function readAttributes(tag: string, node: Record<string, XmlValue>): boolean | undefined {
  let seen = false;
  let k = 0;
  for (;;) {
    while (k < tag.length && isS(tag.charCodeAt(k))) k++;
    if (k >= tag.length) return seen;
    const nameStart = k;
    while (k < tag.length && !isS(tag.charCodeAt(k)) && tag.charCodeAt(k) !== EQUALS) k++;
    const name = tag.slice(nameStart, k);
    while (k < tag.length && isS(tag.charCodeAt(k))) k++;
    if (tag.charCodeAt(k) !== EQUALS) return undefined;
    k++;
    while (k < tag.length && isS(tag.charCodeAt(k))) k++;
    const quote = tag.charCodeAt(k);
    if (quote !== QUOTE && quote !== APOSTROPHE) return undefined;
    const end = tag.indexOf(String.fromCharCode(quote), k + 1);
    if (end === -1) return undefined;
    // A prefixed name or a namespace declaration: the parser renames or drops those.
    if (!takesName(name) || name === 'xmlns' || REPEATING.has(name)) return undefined;
    const value = decoded(tag.slice(k + 1, end));
    if (value === undefined) return undefined;
    node[`@_${name}`] = value.trim();
    seen = true;
    k = end + 1;
  }
}

/** The text of a finished element as the parser gives it: a string, or the node with '#text'. */
function valueOf(open: Open): XmlNode | undefined {
  const raw = open.text.trim();
  if (open.hasChildren) return raw === '' ? open.node : undefined; // mixed content: the parser's
  const text = decoded(raw);
  if (text === undefined) return undefined;
  if (!open.hasAttributes) return text;
  if (text !== '') open.node['#text'] = text;
  return open.node;
}

/** The entry element of `fragment` (one element, nothing around it), or undefined: parse it with fast-xml-parser. */
export function scanEntryTree(entry: string): XmlNode | undefined {
  // Line ends are normalised before anything is read (XML 1.0 §2.11), as the parser does.
  const fragment = entry.indexOf('\r') === -1 ? entry : entry.replace(/\r\n?/g, '\n');
  const stack: Open[] = [];
  let result: XmlNode | undefined;
  let i = 0;
  if (fragment.charCodeAt(0) !== LT) return undefined;
  while (i < fragment.length) {
    const lt = fragment.indexOf('<', i);
    if (lt === -1) return undefined; // text after the element
    const top = stack[stack.length - 1];
    if (lt > i) {
      if (top === undefined) return undefined;
      top.text += fragment.slice(i, lt);
    }
    const c1 = fragment.charCodeAt(lt + 1);
    if (c1 === SLASH) {
      const gt = fragment.indexOf('>', lt);
      if (gt === -1 || top === undefined || fragment.slice(lt + 2, gt) !== top.name) return undefined;
      stack.pop();
      const value = valueOf(top);
      if (value === undefined) return undefined;
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = value;
      else addChild(parent.node, top.name, value);
      i = gt + 1;
      continue;
    }
    // Comments, CDATA, declarations and processing instructions are the parser's.
    if (c1 === BANG || c1 === QUESTION) return undefined;
    if (top === undefined && result !== undefined) return undefined; // a second element
    let gt = lt + 1;
    for (; gt < fragment.length; gt++) {
      const code = fragment.charCodeAt(gt);
      if (code === GT) break;
      if (code === QUOTE || code === APOSTROPHE) {
        gt = fragment.indexOf(String.fromCharCode(code), gt + 1);
        if (gt === -1) return undefined;
      } else if (code === LT || code === AMPERSAND) return undefined;
    }
    if (gt >= fragment.length) return undefined;
    const selfClosing = fragment.charCodeAt(gt - 1) === SLASH;
    const inner = fragment.slice(lt + 1, selfClosing ? gt - 1 : gt);
    let nameEnd = 0;
    while (nameEnd < inner.length && !isS(inner.charCodeAt(nameEnd))) nameEnd++;
    const name = inner.slice(0, nameEnd);
    if (!takesName(name)) return undefined;
    const node: Record<string, XmlValue> = {};
    const hasAttributes = readAttributes(inner.slice(nameEnd), node);
    if (hasAttributes === undefined) return undefined;
    if (top !== undefined) top.hasChildren = true;
    const open: Open = { name, node, hasAttributes, hasChildren: false, text: '' };
    if (selfClosing) {
      const value = valueOf(open);
      if (value === undefined) return undefined;
      if (top === undefined) result = value;
      else addChild(top.node, name, value);
    } else stack.push(open);
    i = gt + 1;
  }
  return stack.length === 0 ? result : undefined;
}
