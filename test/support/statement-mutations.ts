import fc from 'fast-check';

/**
 * Damage done to a statement file, as plain data (so fast-check prints a failing case readably and
 * can shrink it): what banks, mail gateways and half-finished downloads do to files — cut-off
 * transfers, flipped bytes, a tag or line written twice or lost, numbers past any field width, the
 * wrong encoding or line ends. Positions are numbers taken modulo what the file has, so every
 * mutation applies to every file.
 */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'zero-fill'; at: number; length: number }
  | { kind: 'zero-digits'; at: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'drop-line'; at: number }
  | { kind: 'swap-lines'; at: number; with: number }
  | { kind: 'duplicate-tag'; at: number }
  | { kind: 'huge-number'; at: number; digits: number; tail: '' | ',00' | '.99' | ',' }
  | { kind: 'encoding'; as: Recoding };

export type Recoding = 'utf16le-bom' | 'utf16be-bom' | 'utf16le-no-bom' | 'utf8-bom' | 'latin1-as-utf8' | 'invalid-utf8' | 'crlf' | 'lf' | 'cr';
const RECODINGS = ['utf16le-bom', 'utf16be-bom', 'utf16le-no-bom', 'utf8-bom', 'latin1-as-utf8', 'invalid-utf8', 'crlf', 'lf', 'cr'] as const satisfies readonly Recoding[];

const position = fc.nat({ max: 1_000_000 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('flip' as const), at: position, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  // A control byte where text was: SOH, ETX, ESC, DEL, 0xFF (NULs come from zero-fill and random inserts).
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.constantFrom(0x01, 0x03, 0x1b, 0x7f, 0xff), { minLength: 1, maxLength: 3 }) }),
  // A block of the file zeroed, as a crashed copy or a sparse download leaves it.
  fc.record({ kind: fc.constant('zero-fill' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  // A number of the file written as zeros of the same width: dates of the year 0000 or month 00, amounts of 0.
  fc.record({ kind: fc.constant('zero-digits' as const), at: position }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: position }),
  fc.record({ kind: fc.constant('drop-line' as const), at: position }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: position, with: position }),
  fc.record({ kind: fc.constant('duplicate-tag' as const), at: position }),
  fc.record({
    kind: fc.constant('huge-number' as const),
    at: position,
    digits: fc.oneof(fc.integer({ min: 14, max: 40 }), fc.integer({ min: 300, max: 5000 })),
    tail: fc.constantFrom('' as const, ',00' as const, '.99' as const, ',' as const),
  }),
  fc.record({ kind: fc.constant('encoding' as const), as: fc.constantFrom(...RECODINGS) }),
);

/** One to three mutations, applied in order. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

export function mutate(file: Buffer, mutations: readonly Mutation[]): Buffer {
  return mutations.reduce(apply, file);
}

function apply(file: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case 'truncate':
      return file.subarray(0, m.at % (file.length + 1));
    case 'flip': {
      if (file.length === 0) return file;
      const out = Buffer.from(file);
      out[m.at % out.length]! ^= m.xor;
      return out;
    }
    case 'insert': {
      const at = m.at % (file.length + 1);
      return Buffer.concat([file.subarray(0, at), Buffer.from(m.bytes), file.subarray(at)]);
    }
    case 'zero-fill': {
      const out = Buffer.from(file);
      const at = m.at % (out.length + 1);
      out.fill(0, at, Math.min(out.length, at + m.length));
      return out;
    }
    case 'zero-digits':
      return replaceDigitRun(file, m.at, (digits) => '0'.repeat(digits.length));
    case 'duplicate-line':
    case 'drop-line':
    case 'swap-lines':
      return lineEdit(file, m);
    case 'duplicate-tag':
      return duplicateTag(file, m.at);
    case 'huge-number':
      return hugeNumber(file, m);
    case 'encoding':
      return recode(file, m.as);
  }
}

/** Lines with their terminators, so joining them gives the file back byte for byte. */
function splitLines(file: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < file.length; i++) {
    if (file[i] === 0x0a) {
      lines.push(file.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < file.length) lines.push(file.subarray(start));
  return lines;
}

function lineEdit(file: Buffer, m: Extract<Mutation, { kind: 'duplicate-line' | 'drop-line' | 'swap-lines' }>): Buffer {
  const lines = splitLines(file);
  if (lines.length === 0) return file;
  const i = m.at % lines.length;
  if (m.kind === 'duplicate-line') lines.splice(i, 0, lines[i]!);
  else if (m.kind === 'drop-line') lines.splice(i, 1);
  else {
    const j = m.with % lines.length;
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return Buffer.concat(lines);
}

/**
 * Writes one tag twice: an MT940 field (`:61:` with its continuation lines up to the next field)
 * or an XML element (from `<Name` to its `</Name>`), the n-th of the file's.
 */
function duplicateTag(file: Buffer, at: number): Buffer {
  const text = file.toString('latin1'); // one char per byte: offsets stay byte offsets
  const spans: Array<[number, number]> = [];
  for (const f of text.matchAll(/(?:^|\n)(:\d{2}[A-Z]?:)/g)) {
    const start = f.index + (f[0].startsWith('\n') ? 1 : 0);
    const next = text.slice(start + 1).search(/\n:\d{2}[A-Z]?:|\n-/);
    spans.push([start, next < 0 ? text.length : start + 1 + next + 1]);
  }
  for (const e of text.matchAll(/<([A-Za-z][\w.:-]*)[\s>]/g)) {
    const close = text.indexOf(`</${e[1]}>`, e.index);
    if (close > 0) spans.push([e.index, close + e[1]!.length + 3]);
  }
  if (spans.length === 0) return file;
  const [start, end] = spans[at % spans.length]!;
  return Buffer.concat([file.subarray(0, end), file.subarray(start, end), file.subarray(end)]);
}

/** Replaces the n-th run of digits with a number far past any amount or date field. */
function hugeNumber(file: Buffer, m: Extract<Mutation, { kind: 'huge-number' }>): Buffer {
  return replaceDigitRun(file, m.at, () => `9${'8'.repeat(m.digits - 1)}${m.tail}`);
}

function replaceDigitRun(file: Buffer, at: number, by: (digits: string) => string): Buffer {
  const text = file.toString('latin1');
  const runs = [...text.matchAll(/\d+/g)];
  if (runs.length === 0) return file;
  const run = runs[at % runs.length]!;
  return Buffer.concat([file.subarray(0, run.index), Buffer.from(by(run[0]), 'latin1'), file.subarray(run.index + run[0].length)]);
}

function recode(file: Buffer, as: Recoding): Buffer {
  const text = file.toString('utf8');
  switch (as) {
    case 'utf16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16le-no-bom':
      return Buffer.from(text, 'utf16le');
    case 'utf16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), file]);
    case 'latin1-as-utf8':
      // A file read as Latin-1 and saved as UTF-8 (double encoding: "é" becomes "Ã©").
      return Buffer.from(file.toString('latin1'), 'utf8');
    case 'invalid-utf8':
      return Buffer.concat([file.subarray(0, file.length >> 1), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]), file.subarray(file.length >> 1)]);
    case 'crlf':
      return Buffer.from(file.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    case 'lf':
      return Buffer.from(file.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    case 'cr':
      return Buffer.from(file.toString('latin1').replace(/\r?\n/g, '\r'), 'latin1');
  }
}
