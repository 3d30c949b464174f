import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { newIds } from '../../db/ids.js';
import type { LineFactsTuple } from '../../db/statement-decide-batch.js';
import { textArrayLiteral } from '../../db/text-array-literal.js';
import { MAX_JSON_SAFE_MINOR } from '../../domain/money.js';
import { type ParseOptions, type ParsedLine, parseStatement, type StatementFormat, StatementParseError } from '../../statements/index.js';

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
 * The parsed statement as the worker hands it back: a few scalars and one ArrayBuffer (moved, not
 * cloned) holding the rows as UTF-8 JSON, batch after batch. The API thread never holds an object
 * per line: it decodes one batch to a string and passes that string to Postgres as it is.
 */
export interface EncodedStatement {
  format: StatementFormat;
  accounts: string[];
  statementIds: string[];
  lineCount: number;
  /** UTF-8 JSON arrays, one per batch of ROWS_PER_BATCH lines, back to back. */
  rows: ArrayBuffer;
  /** Where each batch ends in `rows` (byte offsets): lineCount / ROWS_PER_BATCH entries, rounded up. */
  batchEnds: number[];
  /**
   * What deciding each line reads (LineFactsTuple), as UTF-8 JSON arrays batch by batch like `rows`:
   * the upload decides its lines as it stores them, without reading the stored rows back.
   */
  facts: ArrayBuffer;
  /** Where each batch ends in `facts`. */
  factEnds: number[];
}

/** Why the worker gave up; classes do not survive the message, so each crosses as its fields. */
export type ReadFailure =
  | { type: 'parse'; reason: string; where: string }
  | { type: 'invalid'; message: string; errors: Array<{ path: string; message: string }> }
  | { type: 'unprocessable'; message: string; errors: Array<{ path: string; message: string }> }
  | { type: 'crash'; message: string };

export type ReadReply =
  | { kind: 'hashed'; sha256: string; fields: Record<string, string>; fileBytes: number }
  | ({ kind: 'parsed' } & EncodedStatement)
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

/** Refuses what the API would not store: more lines than the cap, amounts JSON and bigint cannot carry. */
function assertStorable(lines: readonly ParsedLine[], maxLines: number): void {
  if (lines.length > maxLines) {
    throw new Refusal({
      type: 'unprocessable',
      message: `the statement file holds ${lines.length} lines; at most ${maxLines} are taken from one file (STATEMENT_MAX_LINES); split it and upload the parts; nothing was imported`,
      errors: [{ path: 'file', message: `more than ${maxLines} lines` }],
    });
  }
  const tooBig = lines.find((l) => l.amountMinor > MAX_JSON_SAFE_MINOR);
  if (tooBig) {
    throw new Refusal({
      type: 'unprocessable',
      message: `line ${tooBig.index + 1}: the amount is too large to be a payment; nothing was imported`,
      errors: [{ path: `line ${tooBig.index + 1}`, message: 'amount too large' }],
    });
  }
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

/** JSON batches, back to back in one fresh ArrayBuffer (its own, so it can be transferred). */
class BatchBuffer {
  private readonly parts: Buffer[] = [];
  private size = 0;
  readonly ends: number[] = [];

  add(batch: unknown[]): void {
    const part = Buffer.from(JSON.stringify(batch), 'utf8');
    this.parts.push(part);
    this.size += part.byteLength;
    this.ends.push(this.size);
  }

  joined(): ArrayBuffer {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out.buffer;
  }
}

/** The lines as UTF-8 JSON batches of rows to insert and of facts to decide them by. */
export function encodeRows(lines: readonly ParsedLine[]): Pick<EncodedStatement, 'rows' | 'batchEnds' | 'facts' | 'factEnds'> {
  const rows = new BatchBuffer();
  const facts = new BatchBuffer();
  const ids = newIds('bln', lines.length);
  for (let i = 0; i < lines.length; i += ROWS_PER_BATCH) {
    const batch = lines.slice(i, i + ROWS_PER_BATCH);
    const keys = batch.map(bankReferenceOf);
    rows.add(batch.map((l, k) => row(l, ids[i + k] ?? '', keys[k] ?? null)));
    facts.add(
      batch.map(
        (l, k): LineFactsTuple => [ids[i + k] ?? '', keys[k] ?? null, l.amountMinor.toString(), l.currency, l.direction, l.status, l.reversal, [...l.references]],
      ),
    );
  }
  return { rows: rows.joined(), batchEnds: rows.ends, facts: facts.joined(), factEnds: facts.ends };
}

function failure(err: unknown): ReadFailure {
  if (err instanceof Refusal) return err.failure;
  if (err instanceof StatementParseError) return { type: 'parse', reason: err.reason, where: err.where };
  return { type: 'crash', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/**
 * The worker thread of parse-off-loop.ts, for one upload. Everything that grows with the file
 * happens here, not on the API thread: taking a multipart body apart, the SHA-256, parsing, the
 * line cap, and turning the lines into INSERT batches. It answers twice: `hashed` (so the API can
 * answer a file it has seen before without parsing it), then, told to go on, `parsed` or `failed`.
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
    let reply: ReadReply;
    const transfer: ArrayBuffer[] = [];
    try {
      const parsed = parseStatement(file, command.opts);
      assertStorable(parsed.lines, request.maxLines);
      const encoded = encodeRows(parsed.lines);
      reply = { kind: 'parsed', format: parsed.format, accounts: parsed.accounts, statementIds: parsed.statementIds, lineCount: parsed.lines.length, ...encoded };
      transfer.push(encoded.rows, encoded.facts);
    } catch (err) {
      reply = { kind: 'failed', failure: failure(err) };
    }
    port.postMessage(reply, transfer);
  });
}

parentPort?.once('message', (request: ReadRequest) => void serve(request));
