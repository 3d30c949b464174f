import { createHash } from 'node:crypto';
import { type MessagePort, parentPort } from 'node:worker_threads';
import { newIds } from '../../db/ids.js';
import type { LineFactsTuple } from '../../db/statement-decide-batch.js';
import { textArrayLiteral } from '../../db/text-array-literal.js';
import { MAX_JSON_SAFE_MINOR } from '../../domain/money.js';
import { type ParseOptions, type ParsedLine, type StatementFormat, StatementParseError, streamStatement } from '../../statements/index.js';

/**
 * What the API thread hands over as the worker's first message: the request body (its buffer
 * transferred, not copied, when the caller allows), how it is framed, and the line cap. The
 * worker is started before there is an upload (parse-off-loop.ts), so this is not workerData.
 */
export interface ReadRequest {
  body: Uint8Array;
  /** The request's Content-Type: a multipart/form-data body is taken apart here, off the API thread. */
  contentType: string;
  maxLines: number;
}

/** API thread → worker, once the file's hash has been checked against earlier imports. */
export interface ParseCommand {
  kind: 'parse';
  opts: ParseOptions;
}

/** Lines per INSERT: one batch is one JSON array of row arrays, a single query parameter. */
export const ROWS_PER_BATCH = 2000;

/**
 * One batch of ROWS_PER_BATCH lines (the last may be shorter) as the worker hands it over, in file
 * order, while it parses the next: two ArrayBuffers (moved, not cloned) of UTF-8 JSON. The API
 * thread never holds an object per line: it decodes a batch to a string and passes that string to
 * Postgres as it is.
 */
export interface EncodedBatchBytes {
  /** One JSON array of row arrays, as insertDecidedLines takes it. */
  rows: ArrayBuffer;
  /** What deciding each of those lines reads (LineFactsTuple), the same lines in the same order. */
  facts: ArrayBuffer;
}

/** What the statement says beside its lines, sent after the last batch. */
export interface StatementSummary {
  format: StatementFormat;
  accounts: string[];
  statementIds: string[];
  lineCount: number;
}

/** Why the worker gave up; classes do not survive the message, so each crosses as its fields. */
export type ReadFailure =
  | { type: 'parse'; reason: string; where: string }
  | { type: 'invalid'; message: string; errors: Array<{ path: string; message: string }> }
  | { type: 'unprocessable'; message: string; errors: Array<{ path: string; message: string }> }
  | { type: 'crash'; message: string };

/**
 * The worker's answers, in order: `hashed`; then, told to parse, `format` (as soon as the file is
 * checked and its format known), a `batch` per ROWS_PER_BATCH lines, and `parsed` after the last;
 * or `failed` at any point, after which nothing more comes.
 */
export type ReadReply =
  | { kind: 'hashed'; sha256: string; fields: Record<string, string>; fileBytes: number }
  | { kind: 'format'; format: StatementFormat }
  | ({ kind: 'batch' } & EncodedBatchBytes)
  | ({ kind: 'parsed' } & StatementSummary)
  | { kind: 'failed'; failure: ReadFailure };

class Refusal extends Error {
  constructor(readonly failure: Exclude<ReadFailure, { type: 'crash' | 'parse' }>) {
    super(failure.message);
  }
}

/** The form fields an upload reads (UploadQuery in import-file.ts); any others are ignored. */
const FORM_FIELDS = ['format', 'csv_map', 'file_name'] as const;

/** The statement file and the form fields: the body itself, or the multipart part "file". */
async function fileOf(request: ReadRequest): Promise<{ file: Buffer; fields: Record<string, string> }> {
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  if (!request.contentType.startsWith('multipart/form-data')) return { file: body, fields: {} };
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': request.contentType } }).formData();
  } catch {
    throw new Refusal({ type: 'invalid', message: 'the multipart body cannot be read', errors: [{ path: 'body', message: 'malformed multipart/form-data' }] });
  }
  const file = form.get('file');
  if (!(file instanceof File)) {
    throw new Refusal({ type: 'invalid', message: 'send the statement as the multipart field "file"', errors: [{ path: 'file', message: 'required' }] });
  }
  // Only the fields the upload reads cross back: a form of 300,000 fields is not cloned to the API thread.
  const fields: Record<string, string> = { file_name: file.name };
  for (const k of FORM_FIELDS) {
    const v = form.get(k);
    if (typeof v === 'string') fields[k] = v;
  }
  return { file: Buffer.from(await file.arrayBuffer()), fields };
}

/** Past the line cap: nothing is stored from a file that holds more than maxLines lines. */
function overCap(lineCount: number, maxLines: number): Refusal {
  return new Refusal({
    type: 'unprocessable',
    message: `the statement file holds ${lineCount} lines; at most ${maxLines} are taken from one file (STATEMENT_MAX_LINES); split it and upload the parts; nothing was imported`,
    errors: [{ path: 'file', message: `more than ${maxLines} lines` }],
  });
}

/** An amount JSON and bigint cannot carry: not a payment. */
function tooLarge(line: ParsedLine): Refusal {
  return new Refusal({
    type: 'unprocessable',
    message: `line ${line.index + 1}: the amount is too large to be a payment; nothing was imported`,
    errors: [{ path: `line ${line.index + 1}`, message: 'amount too large' }],
  });
}

/**
 * One line as the INSERT reads it (db/bank-statements.ts insertDecidedLines): id, line_no, account,
 * statement_ref, bank_reference, booking_date, value_date, amount_minor (a string: a bigint),
 * currency, direction, entry_status, reversal, references (a text[] literal), counterparty, text,
 * counterparty_account.
 */
function row(l: ParsedLine, id: string, bankReference: string | null): unknown[] {
  return [
    id,
    l.index + 1,
    l.account,
    l.statementId,
    bankReference,
    l.bookingDate,
    l.valueDate,
    l.amountMinor.toString(),
    l.currency,
    l.direction,
    l.status,
    l.reversal,
    textArrayLiteral(l.references),
    l.counterparty,
    l.text,
    l.counterpartyAccount,
  ];
}

/** Batch items share their entry's reference; the position keeps them apart. */
function bankReferenceOf(l: ParsedLine): string | null {
  return l.bankReference === null ? null : l.batchIndex === null ? l.bankReference : `${l.bankReference}#${l.batchIndex}`;
}

function utf8Json(value: unknown): ArrayBuffer {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  // Its own ArrayBuffer, so it can be transferred: a small Buffer is a slice of Node's shared pool.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : new Uint8Array(bytes).buffer;
}

/** One batch of lines as the INSERT's rows and the facts to decide them by. */
export function encodeBatch(lines: readonly ParsedLine[]): EncodedBatchBytes {
  const ids = newIds('bln', lines.length);
  const keys = lines.map(bankReferenceOf);
  return {
    rows: utf8Json(lines.map((l, k) => row(l, ids[k] ?? '', keys[k] ?? null))),
    facts: utf8Json(
      lines.map((l, k): LineFactsTuple => [ids[k] ?? '', keys[k] ?? null, l.amountMinor.toString(), l.currency, l.direction, l.status, l.reversal, [...l.references]]),
    ),
  };
}

/**
 * Parses the file and posts it batch by batch as it goes (the API thread stores each while the
 * next is read), then the summary. A file over the cap or with an amount too large is refused
 * the way it was when the whole file was read first: nothing is posted from the first batch that
 * would break either rule, the rest is still read to count its lines, and the cap is named before
 * the amount.
 */
function parseAndPost(port: MessagePort, file: Buffer, opts: ParseOptions, maxLines: number): void {
  const { format, lines } = streamStatement(file, opts);
  port.postMessage({ kind: 'format', format } satisfies ReadReply);
  let batch: ParsedLine[] = [];
  let refused: Refusal | undefined;
  let lineCount = 0;
  const post = () => {
    const encoded = encodeBatch(batch);
    port.postMessage({ kind: 'batch', ...encoded } satisfies ReadReply, [encoded.rows, encoded.facts]);
    batch = [];
  };
  for (let next = lines.next(); ; next = lines.next()) {
    if (next.done) {
      if (lineCount > maxLines) throw overCap(lineCount, maxLines);
      if (refused) throw refused;
      if (batch.length > 0) post();
      port.postMessage({ kind: 'parsed', format, accounts: next.value.accounts, statementIds: next.value.statementIds, lineCount } satisfies ReadReply);
      return;
    }
    lineCount++;
    if (refused || lineCount > maxLines) continue;
    if (next.value.amountMinor > MAX_JSON_SAFE_MINOR) {
      refused = tooLarge(next.value);
      continue;
    }
    batch.push(next.value);
    if (batch.length === ROWS_PER_BATCH) post();
  }
}

function failure(err: unknown): ReadFailure {
  if (err instanceof Refusal) return err.failure;
  if (err instanceof StatementParseError) return { type: 'parse', reason: err.reason, where: err.where };
  return { type: 'crash', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/**
 * The worker thread of parse-off-loop.ts, for one upload. Everything that grows with the file
 * happens here, not on the API thread: taking a multipart body apart, the SHA-256, parsing, the
 * line cap, and turning the lines into INSERT batches. It answers `hashed` first (so the API can
 * answer a file it has seen before without parsing it), then, told to go on, the parse as it goes
 * (ReadReply).
 */
async function serve(request: ReadRequest): Promise<void> {
  const port = parentPort;
  if (!port) return;
  let file: Buffer;
  try {
    const got = await fileOf(request);
    file = got.file;
    const sha256 = createHash('sha256').update(file).digest('hex');
    port.postMessage({ kind: 'hashed', sha256, fields: got.fields, fileBytes: file.length } satisfies ReadReply);
  } catch (err) {
    port.postMessage({ kind: 'failed', failure: failure(err) } satisfies ReadReply);
    return;
  }
  port.once('message', (command: ParseCommand) => {
    try {
      parseAndPost(port, file, command.opts, request.maxLines);
    } catch (err) {
      port.postMessage({ kind: 'failed', failure: failure(err) } satisfies ReadReply);
    }
  });
}

parentPort?.once('message', (request: ReadRequest) => void serve(request));
