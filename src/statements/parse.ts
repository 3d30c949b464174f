import { parseCamt } from './camt.js';
import { parseCsv } from './csv.js';
import { assertNoDoctype } from './camt-node.js';
import { decode } from './decode.js';
import { detectFormat } from './detect.js';
import { StatementParseError } from './errors.js';
import { parseMt940 } from './mt940.js';
import type { FormatResult, ParseOptions, ParsedStatement } from './types.js';

/**
 * Parses a bank statement file into lines for matching. Pure: no I/O, no clock. Throws
 * StatementParseError on anything malformed and never returns a partial statement, so an import
 * either sees every line of the file or none.
 */
export function parseStatement(input: string | Buffer, opts: ParseOptions = {}): ParsedStatement {
  const text = decode(input, opts.encoding ?? opts.csv?.encoding);
  if (text.trim() === '') throw new StatementParseError('the file is empty', 'input');
  assertNoNul(text);
  // Before detection: a DOCTYPE long enough to push the root past the sniffed head must still be named.
  if (text.trimStart().startsWith('<')) assertNoDoctype(text);
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
    case 'mt942':
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

/**
 * No statement format has a use for U+0000, and Postgres can store it neither in text nor in jsonb
 * (the upload failed inside its INSERT with a 500; found by the statement fuzzing): a file with one
 * is damaged, and refused naming the line.
 */
function assertNoNul(text: string): void {
  const at = text.indexOf('\u0000');
  if (at < 0) return;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line += 1;
  throw new StatementParseError('the file holds a NUL character (U+0000), which no statement file has: it is damaged', `line ${line}`);
}
