import { scanEntryTree } from './camt-entry-tree.js';
import { children, parseTree, type XmlNode } from './camt-node.js';
import { BANG, BRACKET, DASH, GT, QUESTION, SLASH, UPPER_D } from './xml-chars.js';

/**
 * A camt file cut into a skeleton and its entries, so that a 50,000-entry statement is never one
 * object tree: the skeleton (Document with every Document/X/Y/Ntry element removed) is parsed
 * once, and each Ntry is parsed from its own text when it is reached. The caller must have checked
 * that the whole text is well-formed (assertWellFormed); both parts are then parsed with the same
 * options and give exactly the subtrees that parsing the whole document would.
 *
 * To stay exact the scan reads markup the way fast-xml-parser does (comments, CDATA, processing
 * instructions and quoted attribute values are skipped, so "<Ntry" inside them is not an entry),
 * and it gives up (undefined: parse the document whole) wherever a fragment would not parse as it
 * does in place: a DOCTYPE (its entities), a processing instruction inside the root (it can change
 * the XML version, which decides how character references decode), a tag name the parser refuses
 * (its error must come before any entry is read), nesting near the parser's depth limit, and a
 * second root element (which the validator allows).
 */
export interface CamtSplit {
  skeleton: string;
  /**
   * The Ntry elements, parsed one at a time, of the recordIndex-th `record` element (0-based,
   * counting by name) inside the first `top` element under the root; names without prefix.
   */
  entries(top: string, record: string, recordIndex: number): Iterable<XmlNode>;
}

// fast-xml-parser throws on these tag names (prototype pollution guard, reserved text key).
const REFUSED_NAMES = new Set(['__proto__', 'constructor', 'prototype', '#text']);
// fast-xml-parser refuses nesting deeper than 100 (maxNestedTags); an entry parsed alone sits 3
// levels higher, so a document anywhere near the limit is parsed whole to fail the same way.
const MAX_DEPTH = 90;


/** The same whitespace as /\s/, which fast-xml-parser uses to end a tag name. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code > 0x7f && /\s/.test(String.fromCharCode(code)));
}

/** Index of `first` (followed by `second` when given) outside quoted values, from `from`; -1 if none. */
function tagEnd(text: string, from: number, first: number, second = -1): number {
  for (let k = from; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (code === 0x22 || code === 0x27) {
      k = text.indexOf(text.charAt(k), k + 1);
      if (k === -1) return -1;
    } else if (code === first && (second === -1 || text.charCodeAt(k + 1) === second)) {
      return k;
    }
  }
  return -1;
}

export function splitEntries(text: string): CamtSplit | undefined {
  // Bounds of the entries, [start, end, start, end, ...] per record, keyed by "top record" for
  // the first top-level element of each name only (the others are never read).
  const bounds = new Map<string, number[][]>();
  const skeleton: string[] = [];
  let prolog = ''; // processing instructions before the root: the XML declaration
  let kept = 0; // start of the text not yet copied into the skeleton
  let depth = 0;
  let rootSeen = false;
  const topCounts = new Map<string, number>();
  let recordCounts = new Map<string, number>();
  let top = '';
  let topIndex = 0;
  let current: number[] = [];
  let entryStart = -1;

  const cut = (start: number, end: number) => {
    if (topIndex === 0) current.push(start, end);
    skeleton.push(text.slice(kept, start));
    kept = end;
  };

  for (let i = text.indexOf('<'); i !== -1; ) {
    const c1 = text.charCodeAt(i + 1);
    let next: number;
    if (c1 === SLASH) {
      const close = text.indexOf('>', i);
      if (close === -1 || depth === 0) return undefined;
      next = close + 1;
      depth--;
      if (depth === 3 && entryStart !== -1) {
        cut(entryStart, next);
        entryStart = -1;
      }
    } else if (c1 === QUESTION) {
      const close = tagEnd(text, i + 1, QUESTION, GT);
      if (close === -1 || depth > 0) return undefined;
      next = close + 2;
      if (!rootSeen) prolog += text.slice(i, next);
    } else if (c1 === BANG && text.charCodeAt(i + 2) === DASH && text.charCodeAt(i + 3) === DASH) {
      const close = text.indexOf('-->', i + 4);
      if (close === -1) return undefined;
      next = close + 3;
    } else if (c1 === BANG && text.charCodeAt(i + 2) === UPPER_D) {
      return undefined;
    } else if (c1 === BANG && text.charCodeAt(i + 2) === BRACKET) {
      const close = text.indexOf(']]>', i);
      if (close === -1) return undefined;
      next = close + 3;
    } else {
      const close = tagEnd(text, i + 1, GT);
      if (close === -1) return undefined;
      next = close + 1;
      let nameEnd = i + 1;
      while (nameEnd < close && !isSpace(text.charCodeAt(nameEnd))) nameEnd++;
      let name = text.slice(i + 1, nameEnd);
      const colon = name.indexOf(':');
      if (colon !== -1) name = name.slice(colon + 1);
      const selfClosing = close > i + 1 && text.charCodeAt(close - 1) === SLASH;
      if (selfClosing && name.endsWith('/')) name = name.slice(0, -1);
      if (REFUSED_NAMES.has(name)) return undefined;

      if (depth === 0) {
        // The validator lets a second root through; the parser then merges the roots by name.
        if (rootSeen) return undefined;
        rootSeen = true;
      } else if (depth === 1) {
        top = name;
        topIndex = topCounts.get(name) ?? 0;
        topCounts.set(name, topIndex + 1);
        recordCounts = new Map();
      } else if (depth === 2) {
        const recordIndex = recordCounts.get(name) ?? 0;
        recordCounts.set(name, recordIndex + 1);
        current = [];
        if (topIndex === 0) {
          const key = `${top} ${name}`;
          const records = bounds.get(key) ?? [];
          records[recordIndex] = current;
          bounds.set(key, records);
        }
      } else if (depth === 3 && name === 'Ntry') {
        if (selfClosing) cut(i, next);
        else entryStart = i;
      }
      if (!selfClosing) {
        depth++;
        if (depth > MAX_DEPTH) return undefined;
      }
    }
    i = text.indexOf('<', next);
  }
  if (kept === 0) return { skeleton: text, entries: () => [] };
  skeleton.push(text.slice(kept));

  return {
    skeleton: skeleton.join(''),
    *entries(topName: string, record: string, recordIndex: number) {
      const own = bounds.get(`${topName} ${record}`)?.[recordIndex] ?? [];
      for (let k = 0; k < own.length; k += 2) {
        const fragment = text.slice(own[k], own[k + 1]);
        // The plain scan takes the common markup; anything else is parsed by fast-xml-parser.
        // The declaration's version only changes how character references (&#1;) decode.
        const ntry =
          scanEntryTree(fragment) ??
          children(parseTree(fragment.includes('&#') ? prolog + fragment : fragment, `Document/${topName}/${record}[${recordIndex + 1}]/Ntry[${k / 2 + 1}]`), 'Ntry')[0];
        if (ntry === undefined) throw new Error('camt: an entry cut out of the document did not parse as Ntry');
        yield ntry;
      }
    },
  };
}
