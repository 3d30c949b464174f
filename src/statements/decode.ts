/**
 * Bytes to text. Statement files are UTF-8 (camt by default), UTF-16 with a BOM, or a code page of
 * the bank's country (older MT940 and CSV exports): windows-1252 in Western Europe, windows-1250
 * or ISO 8859-2 in Poland, Czechia and Hungary (mBank writes both), and DOS Latin-2 (CP852) from
 * older Polish banking software. A code page named by the caller (a CSV map's `encoding`, the
 * parse option) is used as it is. Otherwise bytes that are not valid UTF-8 are read in each of the
 * four, and the reading that looks most like text wins. "Looks like text" is judged per non-ASCII
 * byte, from what it reads as next to its neighbours, in one pass over the file:
 *
 * - A letter in a word counts for the code page, a letter standing alone (French "à", Czech
 *   "č.") half as much, and a letter whose case breaks the word counts against it: lower case
 *   running into upper case, "rÚglÚe" (windows-1252 "réglée" read as CP852), "ôNo" (“No”),
 *   "OPúATA" (windows-1250 "OPŁATA" read as CP852).
 * - Punctuation at 0x80–0x9F (€, „“”‘’, – —, …, only windows-1250 and -1252 have it there: CP852
 *   has letters, ISO 8859-2 control codes) counts when it stands next to a space, digit or other
 *   punctuation, and a little between two letters (an apostrophe). A currency sign counts when no
 *   letter touches it ("12,00 €", not "£ódŸ", windows-1250 "Łódź" read as windows-1252).
 * - Other symbols ("³" for Polish "ł" in windows-1252, "¦" for ISO "Ś" in windows-1250) count
 *   against, box drawing and control codes (CP852 "│" for windows-1250 "ł", ISO 8859-2 reading
 *   windows-1250 "ś" as U+009C) twice as much.
 * - Some windows-1252 letters count only as much as a lone letter where its languages do not put
 *   them, because windows-1250 has Czech or Polish letters on their bytes: "è" starting a word
 *   ("èerven" is "červen"), "ì" or "ù" before a letter ("dìkujeme" is "děkujeme", "mùžete" is
 *   "můžete"), "œ" or "ñ" not before a vowel (French œ and Spanish ñ nearly always are, Polish ś
 *   and ń never: "œrodków" is "środków", "Poznañ" is "Poznań"), and "Ÿ" anywhere ("Ÿródło").
 *
 * A tie keeps the earlier candidate: windows-1252 (the common Western case), windows-1250,
 * ISO 8859-2, CP852. Text whose non-ASCII letters read as fitting letters in two code pages is a
 * tie, so it is read right when it is Western, and wrong when it is Czech with none of č ě ů
 * (only ř, ď, ň: "Pøeplatek za záøí") or Hungarian with only ő, ű ("õszi"), or Czech in ISO 8859-2,
 * whose ž is windows-1250 ľ ("sluľby"). The "è" rule costs a French word starting with "È".
 *
 * Every code page is decoded from a table here, not by Node's TextDecoder alone: since Node
 * 20.18.3 / 22.13.0 TextDecoder('windows-1252') reads 0x80–0x9F as Latin-1 control codes
 * (nodejs/node#60888), which turns € into U+0080, and it has no CP852.
 */
export type StatementEncoding = 'utf-8' | 'windows-1252' | 'windows-1250' | 'iso-8859-2' | 'cp852';

export const STATEMENT_ENCODINGS = ['utf-8', 'windows-1252', 'windows-1250', 'iso-8859-2', 'cp852'] as const satisfies readonly StatementEncoding[];

type CodePage = Exclude<StatementEncoding, 'utf-8'>;

/** In the order a tie is decided. */
const CODE_PAGES = ['windows-1252', 'windows-1250', 'iso-8859-2', 'cp852'] as const satisfies readonly CodePage[];

// windows-1252 0x80–0x9F as the WHATWG Encoding Standard gives them (unassigned bytes as the C1
// control of the same number); 0xA0–0xFF are Latin-1.
const WINDOWS_1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

// CP852 bytes 0x80–0xFF (IBM code page 852, as Python's and ICU's tables give it).
const CP852_HIGH =
  'ÇüéâäůćçłëŐőîŹÄĆ' +
  'ÉĹĺôöĽľŚśÖÜŤťŁ×č' +
  'áíóúĄąŽžĘę¬źČş«»' +
  '░▒▓│┤ÁÂĚŞ╣║╗╝Żż┐' +
  '└┴┬├─┼Ăă╚╔╩╦╠═╬¤' +
  'đĐĎËďŇÍÎě┘┌█▄ŢŮ▀' +
  'ÓßÔŃńňŠšŔÚŕŰýÝţ´' +
  '\u00ad˝˛ˇ˘§÷¸°¨˙űŘř■\u00a0';

/** Bytes 0x80–0xFF of a code page, 128 characters. */
function highHalf(codePage: CodePage): string {
  if (codePage === 'cp852') return CP852_HIGH;
  if (codePage === 'windows-1252') return WINDOWS_1252_80_9F + String.fromCharCode(...Array.from({ length: 96 }, (_, i) => 0xa0 + i));
  // windows-1250 and ISO 8859-2: Node's tables are right for these.
  return new TextDecoder(codePage).decode(Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i));
}

/** The UTF-16 code unit of every byte (all four code pages stay in the BMP). */
const UNITS = Object.fromEntries(
  CODE_PAGES.map((codePage) => {
    const units = Uint16Array.from({ length: 256 }, (_, b) => b);
    const high = highHalf(codePage);
    if (high.length !== 128) throw new Error(`${codePage}: ${high.length} characters for 128 bytes`);
    for (let i = 0; i < 128; i++) units[0x80 + i] = high.charCodeAt(i);
    return [codePage, units];
  }),
) as Record<CodePage, Uint16Array>;

// Code units go to a string through the UTF-16LE decoder, so they are laid out little-endian
// whatever the machine's order.
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf16le = new TextDecoder('utf-16le');

function decodeAs(bytes: Uint8Array, codePage: CodePage): string {
  const units = UNITS[codePage];
  const parts: string[] = [];
  const chunk = new Uint16Array(Math.min(bytes.length, 1 << 20));
  for (let start = 0; start < bytes.length; start += chunk.length) {
    const end = Math.min(start + chunk.length, bytes.length);
    for (let i = start; i < end; i++) {
      const unit = units[bytes[i] as number] as number;
      chunk[i - start] = LITTLE_ENDIAN ? unit : ((unit & 0xff) << 8) | (unit >> 8);
    }
    parts.push(utf16le.decode(chunk.subarray(0, end - start)));
  }
  return parts.join('');
}

// What a byte reads as, for the score. The low three bits are the kind; the flags mark the
// windows-1252 letters that share their bytes with Czech ones.
const OTHER = 0; // ASCII that is not a letter, no-break space, soft hyphen
const UPPER = 1;
const LOWER = 2;
const CASELESS = 3; // ª º
const PUNCT = 4;
const CURRENCY = 5;
const SYMBOL = 6;
const JUNK = 7; // control codes, box drawing
const KIND = 7;
const WEAK_AT_WORD_START = 8; // è È: Czech č (červen, číslo)
const WEAK_BEFORE_LETTER = 16; // ì Ì ù Ù: Czech ě, ů (děkujeme, můžete)
const WEAK_UNLESS_VOWEL_NEXT = 32; // œ Œ ñ Ñ: Polish ś, Ś, ń, Ń (środków, Poznań)
const WEAK = 64; // Ÿ: Polish ź (źródło)
const VOWELS = new Set([...'aeiouyAEIOUY'].map((ch) => ch.charCodeAt(0)));

function kindOf(ch: string): number {
  if (/\p{Lu}|\p{Lt}/u.test(ch)) return UPPER;
  if (/\p{Ll}/u.test(ch)) return LOWER;
  if (/\p{L}/u.test(ch)) return CASELESS;
  if (/\p{Sc}/u.test(ch)) return CURRENCY;
  if (/\p{P}/u.test(ch)) return PUNCT;
  if (/[\u2500-\u25ff\ufffd]|\p{Cc}|\p{Cn}|\p{Co}/u.test(ch)) return JUNK;
  if (/\p{S}|\p{N}/u.test(ch)) return SYMBOL;
  return OTHER;
}

const KINDS = Object.fromEntries(
  CODE_PAGES.map((codePage) => {
    const kinds = new Uint8Array(256);
    for (let b = 0; b < 256; b++) {
      if (b < 0x80) {
        kinds[b] = b >= 0x41 && b <= 0x5a ? UPPER : b >= 0x61 && b <= 0x7a ? LOWER : OTHER;
        continue;
      }
      const ch = String.fromCharCode(UNITS[codePage][b] as number);
      kinds[b] =
        kindOf(ch) |
        ('èÈ'.includes(ch) ? WEAK_AT_WORD_START : 0) |
        ('ìÌùÙ'.includes(ch) ? WEAK_BEFORE_LETTER : 0) |
        ('œŒñÑ'.includes(ch) ? WEAK_UNLESS_VOWEL_NEXT : 0) |
        (ch === 'Ÿ' ? WEAK : 0);
    }
    return [codePage, kinds];
  }),
) as Record<CodePage, Uint8Array>;

const isLetterKind = (kind: number) => kind === UPPER || kind === LOWER || kind === CASELESS;

/** How much the non-ASCII byte at i, read in the code page of `kinds`, looks like text. */
function byteScore(bytes: Uint8Array, i: number, kinds: Uint8Array): number {
  const b = bytes[i] as number;
  const flags = kinds[b] as number;
  const kind = flags & KIND;
  const prev = i > 0 ? (kinds[bytes[i - 1] as number] as number) & KIND : OTHER;
  const next = i + 1 < bytes.length ? (kinds[bytes[i + 1] as number] as number) & KIND : OTHER;
  const prevLetter = isLetterKind(prev);
  const nextLetter = isLetterKind(next);
  switch (kind) {
    case UPPER:
    case LOWER:
    case CASELESS:
      if ((kind === UPPER && prev === LOWER) || (kind === LOWER && next === UPPER)) return -2;
      if (flags & WEAK_AT_WORD_START && !prevLetter && nextLetter) return 1;
      if (flags & WEAK_BEFORE_LETTER && nextLetter) return 1;
      if (flags & WEAK_UNLESS_VOWEL_NEXT && !VOWELS.has(bytes[i + 1] as number)) return 1;
      if (flags & WEAK) return 1;
      return prevLetter || nextLetter ? 2 : 1;
    case PUNCT:
      if (b >= 0xa0) return 0;
      return prevLetter && nextLetter ? 1 : 2;
    case CURRENCY:
      return prevLetter || nextLetter ? -1 : 2;
    case SYMBOL:
      return -1;
    case JUNK:
      return -2;
    default:
      return 0;
  }
}

/** The code page whose reading of the bytes scores highest; one pass, ASCII bytes skipped. */
function detectCodePage(bytes: Uint8Array): CodePage {
  const kinds = CODE_PAGES.map((codePage) => KINDS[codePage]);
  const scores = CODE_PAGES.map(() => 0);
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) < 0x80) continue;
    for (let k = 0; k < kinds.length; k++) scores[k] = (scores[k] as number) + byteScore(bytes, i, kinds[k] as Uint8Array);
  }
  let best = 0;
  for (let k = 1; k < scores.length; k++) if ((scores[k] as number) > (scores[best] as number)) best = k;
  return CODE_PAGES[best] as CodePage;
}

export function decode(input: string | Buffer, encoding?: StatementEncoding): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if (input[0] === 0xff && input[1] === 0xfe) return new TextDecoder('utf-16le').decode(input.subarray(2));
  if (input[0] === 0xfe && input[1] === 0xff) return new TextDecoder('utf-16be').decode(input.subarray(2));
  if (encoding !== undefined && encoding !== 'utf-8') return decodeAs(input, encoding);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
  } catch (err) {
    if (encoding === 'utf-8') throw err;
  }
  return decodeAs(input, detectCodePage(input));
}
