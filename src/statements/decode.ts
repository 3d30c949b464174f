/**
 * Bytes to text. Statement files are UTF-8 (camt by default), UTF-16 with a BOM, or a code page of
 * the bank's country (older MT940 and CSV exports): windows-1252 in Western Europe, windows-1250
 * or ISO 8859-2 in Poland, Czechia and Hungary (mBank writes both), and DOS Latin-2 (CP852) from
 * older Polish banking software. Bytes that are not valid UTF-8 are read in each, and the reading
 * whose non-ASCII characters are letters most often wins: Polish "ł" (0xB3 in windows-1250) is "³"
 * in windows-1252, "ą" (0xA5 in CP852) is "¥", "Ś" (0xA6 in ISO 8859-2) is "¦" in windows-1250.
 * A tie keeps the earlier candidate, windows-1252 first, the common Western case.
 */
export type StatementEncoding = 'utf-8' | 'windows-1252' | 'windows-1250' | 'iso-8859-2' | 'cp852';

export const STATEMENT_ENCODINGS = ['utf-8', 'windows-1252', 'windows-1250', 'iso-8859-2', 'cp852'] as const satisfies readonly StatementEncoding[];

// CP852 bytes 0x80–0xFF (IBM code page 852, as Python's and ICU's tables give it); Node's
// TextDecoder has no CP852.
const CP852_HIGH =
  'ÇüéâäůćçłëŐőîŹÄĆ' +
  'ÉĹĺôöĽľŚśÖÜŤťŁ×č' +
  'áíóúĄąŽžĘę¬źČş«»' +
  '░▒▓│┤ÁÂĚŞ╣║╗╝Żż┐' +
  '└┴┬├─┼Ăă╚╔╩╦╠═╬¤' +
  'đĐĎËďŇÍÎě┘┌█▄ŢŮ▀' +
  'ÓßÔŃńňŠšŔÚŕŰýÝţ´' +
  '\u00ad˝˛ˇ˘§÷¸°¨˙űŘř■\u00a0';

function decodeCp852(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP852_HIGH[b - 0x80];
  return out;
}

function decodeAs(bytes: Uint8Array, encoding: Exclude<StatementEncoding, 'utf-8'>): string {
  return encoding === 'cp852' ? decodeCp852(bytes) : new TextDecoder(encoding).decode(bytes);
}

const isLetter = (ch: string | undefined) => ch !== undefined && /\p{Lu}|\p{Ll}/u.test(ch);

/**
 * How many of the file's non-ASCII bytes the code page reads as letters, less those it reads as
 * anything else (symbols, box drawing, controls). Counted per byte value, so a 100 MB file is
 * decoded once, by the winner.
 */
function letterScore(counts: readonly number[], encoding: Exclude<StatementEncoding, 'utf-8'>): number {
  const high = decodeAs(Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i), encoding);
  let score = 0;
  counts.forEach((n, i) => {
    if (n > 0) score += isLetter(high[i]) ? n : -n;
  });
  return score;
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
  // Only the bytes that differ between the code pages decide; the rest is ASCII in all of them.
  const counts: number[] = new Array<number>(128).fill(0);
  for (const b of input) if (b >= 0x80) counts[b - 0x80] = (counts[b - 0x80] ?? 0) + 1;
  let best: { encoding: Exclude<StatementEncoding, 'utf-8'>; score: number } = { encoding: 'windows-1252', score: -Infinity };
  for (const candidate of ['windows-1252', 'windows-1250', 'iso-8859-2', 'cp852'] as const) {
    const score = letterScore(counts, candidate);
    if (score > best.score) best = { encoding: candidate, score };
  }
  return decodeAs(input, best.encoding);
}
