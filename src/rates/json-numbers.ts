import { RatesFileError } from './types.js';

// RFC 8259 §4–§7 tokens: whitespace, strings (with their escapes), numbers, punctuation, literals.
// eslint-disable-next-line no-control-regex -- RFC 8259 §7: control characters must be escaped inside strings
const TOKEN = /[\t\n\r ]+|"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\]:,]|true|false|null/y;

/**
 * The number texts of every member named `key`, in document order, exactly as written: JSON.parse
 * would turn NBP's "mid": 4.3090 into a float, and a rate must stay its decimal string. A lexer
 * rather than a regular expression over the text, so a string that merely contains `"mid":1` is
 * not mistaken for a member. The caller parses the same text with JSON.parse for its structure and
 * checks the two agree.
 */
export function numberTextsOf(json: string, key: string): string[] {
  const quotedKey = JSON.stringify(key);
  const out: string[] = [];
  let prev: string | undefined;
  let prevPrev: string | undefined;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < json.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(json);
    if (!m) throw new RatesFileError('not valid JSON', `character ${at + 1}`);
    const token = m[0];
    if (/^[\t\n\r ]/.test(token)) continue;
    if (/^-?\d/.test(token) && prev === ':' && prevPrev === quotedKey) out.push(token);
    prevPrev = prev;
    prev = token;
  }
  return out;
}
