/**
 * Splits an MT940 file into messages of tagged fields. Real files come bare, wrapped in SWIFT
 * blocks ({1:…}{2:…}{4: … -}), with bank headers between messages (ABN AMRO "ABNANL2A / 940",
 * ING "0000 01INGBNL2AXXXX00001", Rabobank ":940:"), with or without "-" terminators, and with
 * CRLF or LF. A field runs from its ":tag:" line to the next tag; SWIFT forbids continuation
 * lines that start with ":" or "-", so those are unambiguous.
 */
export interface Field {
  tag: string;
  /** Content lines: the first without its ":tag:", then continuation lines as written. */
  lines: string[];
  /** 1-based line number of the ":tag:" line, for error messages. */
  line: number;
}

export type Message = Field[];

const TAG = /^:([0-9]{2}[A-Z]?):(.*)$/;
// mBank frames each message in SOH … "-" ETX, the control characters of SWIFT's transmission.
const SOH = String.fromCharCode(1);
const ETX = String.fromCharCode(3);
// Basic, application and user header blocks; block 3 may nest one level ({3:{108:…}}).
const LEADING_BLOCKS = /^(?:\{[1-3]:(?:[^{}]|\{[^{}]*\})*\})+/;

/**
 * "-", "-XXX" or "-}…" (the end of block 4 and what follows it), trailing blanks allowed. Written
 * out rather than /^-(?:\}.*|XXX)?\s*$/, whose ".*" and "\s*" both take blanks and, before a
 * U+2028 that "." refuses, retried every split of a long row between them.
 */
function isTerminator(row: string): boolean {
  const t = row.trimEnd();
  if (t === '-' || t === '-XXX') return true;
  return t.startsWith('-}') && !/[\u2028\u2029]/.test(t);
}

export function splitMessages(text: string): Message[] {
  const messages: Message[] = [];
  let message: Message = [];
  let field: Field | undefined;
  const close = () => {
    if (message.length > 0) messages.push(message);
    message = [];
    field = undefined;
  };
  const rows = text.split(/\r\n|\r|\n/);
  rows.forEach((raw, i) => {
    let row = raw.replaceAll(SOH, '').replaceAll(ETX, '');
    if (row.startsWith('{')) {
      row = row.replace(LEADING_BLOCKS, '');
      if (row.startsWith('{4:')) {
        close();
        row = row.slice(3);
      }
      if (row.startsWith('{5:')) return close();
    }
    if (isTerminator(row)) return close();
    const tag = TAG.exec(row);
    if (tag) {
      const [, name = '', content = ''] = tag;
      // A new :20: without a terminator before it starts the next message (Rabobank).
      if (name === '20' && message.some((f) => f.tag === '20')) close();
      field = { tag: name, lines: [content], line: i + 1 };
      message.push(field);
      return;
    }
    // Blank lines carry nothing; other lines outside a field are bank headers; inside one, continuation.
    if (field !== undefined && row.trim() !== '') field.lines.push(row);
  });
  close();
  return messages;
}
