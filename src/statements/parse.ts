import { readCamt } from './camt.js';
import { parseCsv } from './csv.js';
import { assertNoDoctype } from './camt-node.js';
import { decode } from './decode.js';
import { detectFormat } from './detect.js';
import { StatementParseError } from './errors.js';
import { parseMt940 } from './mt940.js';
import type { FormatResult, FormatStream, ParseOptions, ParsedLine, ParsedStatement, StatementStream, StatementTail, UnnumberedLine } from './types.js';

/**
 * Parses a bank statement file into lines for matching. Pure: no I/O, no clock. Throws
 * StatementParseError on anything malformed and never returns a partial statement, so an import
 * either sees every line of the file or none.
 */
export function parseStatement(input: string | Buffer, opts: ParseOptions = {}): ParsedStatement {
  const { format, lines } = streamStatement(input, opts);
  const all: ParsedLine[] = [];
  for (;;) {
    const next = lines.next();
    if (next.done) return { format, ...next.value, lines: all };
    all.push(next.value);
  }
}

/**
 * The same parse, line by line: what parseStatement collects. camt entries are read as the lines
 * are taken (the file checked whole first); MT940 and CSV are read whole before the first line.
 */
export function streamStatement(input: string | Buffer, opts: ParseOptions = {}): StatementStream {
  const text = decode(input, opts.encoding ?? opts.csv?.encoding);
  if (text.trim() === '') throw new StatementParseError('the file is empty', 'input');
  assertNoNul(text);
  // Before detection: a DOCTYPE long enough to push the root past the sniffed head must still be named.
  if (text.trimStart().startsWith('<')) assertNoDoctype(text);
  // CSV has no signature; a caller who passes a column map and no format means CSV.
  const format = opts.format ?? detectFormat(text) ?? (opts.csv ? 'csv' : undefined);
  const patterns = opts.patterns ?? [];
  let source: FormatStream;
  switch (format) {
    case 'camt.053':
    case 'camt.054':
      source = readCamt(text, format, patterns);
      break;
    case 'mt940':
    case 'mt942':
      source = whole(parseMt940(text, patterns));
      break;
    case 'csv':
      source = whole(parseCsv(text, opts.csv, patterns));
      break;
    case undefined:
      throw new StatementParseError('not a camt.053/054 or MT940 file (CSV must be named with options.format and options.csv)', 'input');
  }
  return { format: source.format, lines: numbered(source.lines) };
}

function whole({ format, lines, ...tail }: FormatResult): FormatStream {
  return {
    format,
    lines: (function* () {
      yield* lines;
      return tail;
    })(),
  };
}

/**
 * Each line given its position. The parsers' line objects are fresh and nobody else holds them, so
 * the index is added to each rather than each line copied to put it in.
 */
function* numbered(lines: Generator<UnnumberedLine, StatementTail>): Generator<ParsedLine, StatementTail> {
  for (let index = 0; ; index++) {
    const next = lines.next();
    if (next.done) return next.value;
    const line: UnnumberedLine & { index?: number } = next.value;
    line.index = index;
    yield line as ParsedLine;
  }
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
