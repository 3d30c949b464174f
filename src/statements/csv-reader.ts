import { StatementParseError } from './errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based physical line where the record starts (a quoted field may span lines). */
  line: number;
}

/**
 * RFC 4180 records: fields in double quotes may hold the delimiter, line breaks and doubled
 * quotes. A quote inside an unquoted field is kept as a character (spreadsheets write that);
 * a quoted field that never closes, or has text after its closing quote, is an error, because
 * everything after it would be misread.
 */
export function readCsv(text: string, delimiter: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let atFieldStart = true;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endField = () => {
    fields.push(field);
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' && atFieldStart) {
      const opened = line;
      const close = quotedEnd(text, i + 1);
      if (close < 0) throw new StatementParseError('quoted field is never closed', `line ${opened}`);
      const raw = text.slice(i + 1, close);
      line += (raw.match(/\r\n|\r|\n/g) ?? []).length;
      field = raw.replaceAll('""', '"');
      atFieldStart = false;
      i = close + 1;
      const after = text[i];
      if (after !== undefined && after !== delimiter && after !== '\n' && after !== '\r') {
        throw new StatementParseError('text after the closing quote of a field', `line ${line}`);
      }
    } else if (ch === delimiter) {
      endField();
      i += 1;
    } else if (ch === '\n' || ch === '\r') {
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endField();
      records.push({ fields, line: recordLine });
      fields = [];
      line += 1;
      recordLine = line;
    } else {
      field += ch;
      atFieldStart = false;
      i += 1;
    }
  }
  if (!atFieldStart || fields.length > 0) {
    endField();
    records.push({ fields, line: recordLine });
  }
  return records;
}

/** Index of the quote that closes a field whose content starts at `from`, or -1. */
function quotedEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return -1;
    if (text[q + 1] !== '"') return q;
    i = q + 2;
  }
}
