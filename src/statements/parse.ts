import { parseCamt } from './camt.js';
import { parseCsv } from './csv.js';
import { detectFormat } from './detect.js';
import { StatementParseError } from './errors.js';
import { parseMt940 } from './mt940.js';
import type { FormatResult, ParseOptions, ParsedStatement } from './types.js';

/**
 * Bytes to text. Statement files are UTF-8 (camt by default), UTF-16 with a BOM, or a Windows
 * code page (older MT940 and CSV exports): bytes that are not valid UTF-8 are read as
 * windows-1252 rather than turned into replacement characters.
 */
export function decode(input: string | Buffer): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if (input[0] === 0xff && input[1] === 0xfe) return new TextDecoder('utf-16le').decode(input.subarray(2));
  if (input[0] === 0xfe && input[1] === 0xff) return new TextDecoder('utf-16be').decode(input.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
  } catch {
    return new TextDecoder('windows-1252').decode(input);
  }
}

/**
 * Parses a bank statement file into lines for matching. Pure: no I/O, no clock. Throws
 * StatementParseError on anything malformed and never returns a partial statement, so an import
 * either sees every line of the file or none.
 */
export function parseStatement(input: string | Buffer, opts: ParseOptions = {}): ParsedStatement {
  const text = decode(input);
  if (text.trim() === '') throw new StatementParseError('the file is empty', 'input');
  // CSV has no signature; a caller who passes a column map and no format means CSV.
  const format = opts.format ?? detectFormat(text) ?? (opts.csv ? 'csv' : undefined);
  const patterns = opts.patterns ?? [];
  let result: FormatResult;
  switch (format) {
    case 'camt.053':
    case 'camt.054':
      result = parseCamt(text, format, patterns);
      break;
    case 'mt940':
      result = parseMt940(text, patterns);
      break;
    case 'csv':
      result = parseCsv(text, opts.csv, patterns);
      break;
    case undefined:
      throw new StatementParseError('not a camt.053/054 or MT940 file (CSV must be named with options.format and options.csv)', 'input');
  }
  return { ...result, lines: result.lines.map((line, index) => ({ index, ...line })) };
}
