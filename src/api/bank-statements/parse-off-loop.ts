import { Worker } from 'node:worker_threads';
import { UnprocessableContentError, ValidationError } from '../../domain/errors.js';
import { type ParseOptions, type StatementFormat, StatementParseError } from '../../statements/index.js';
import type { LineFacts } from '../../domain/statement-matching.js';
import { type LineFactsTuple, lineFactsOf } from '../../db/statement-decide-batch.js';
import type { EncodedBatchBytes, ParseCommand, ReadFailure, ReadReply, ReadRequest, StatementSummary } from './parse-worker.js';

export type { StatementSummary } from './parse-worker.js';

/** The parse took longer than its budget; the worker was stopped. */
export class ParseTimeoutError extends Error {
  override name = 'ParseTimeoutError';
  constructor(readonly budgetMs: number) {
    super(`parsing took longer than ${budgetMs} ms`);
  }
}

// Beside this file: parse-worker.js in dist/; under tsx (tests, `npm run tollgate`) parse-worker.ts,
// which a worker thread cannot load by itself on Node 20 (the --import tsx hooks stay on the main
// thread), so a two-line bootstrap registers tsx in the worker first.
const UNDER_TSX = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(UNDER_TSX ? './parse-worker.ts' : './parse-worker.js', import.meta.url);

function startWorker(): Worker {
  if (!UNDER_TSX) return new Worker(WORKER_URL);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

// The next import's worker, started as soon as an import takes the current one (so even an upload
// right behind another finds it loaded): starting a thread and loading the parser is tens of
// milliseconds from dist/ and hundreds under tsx, paid before the upload arrives instead of
// during it. At most one thread more than the imports running. It is still one fresh thread per import (never reused: an import
// that ran out of time or memory takes its thread with it), it holds no file until an import
// hands it one, and unref'd it keeps no process alive.
let spare: Worker | undefined;

function prepareSpare(): void {
  if (spare !== undefined) return;
  const worker = startWorker();
  worker.unref();
  const drop = () => {
    if (spare === worker) spare = undefined;
  };
  worker.once('error', drop);
  worker.once('exit', drop);
  spare = worker;
}

function takeWorker(): Worker {
  const worker = spare ?? startWorker();
  spare = undefined;
  worker.ref();
  return worker;
}

/** What the worker learned before parsing: the file's hash and size, and the multipart form's text fields. */
export interface FileHead {
  sha256: string;
  fields: Record<string, string>;
  fileBytes: number;
}

export interface OffLoopRead {
  /** The file's hash, size and form fields; rejects if the body cannot be taken apart. */
  head: Promise<FileHead>;
  /** Parses the file (call once, after `head`): the lines encoded as INSERT batches, as they come. */
  parse(opts: ParseOptions): ParsedBatches;
  /** Stops the worker (idempotent); a pending promise rejects. */
  stop(): void;
}

/**
 * The error a worker's failure is on this thread. A file the parser refuses is a
 * StatementParseError as the parser threw it; a form that cannot be read a ValidationError (400);
 * a file over the line cap or with an unstorable amount an UnprocessableContentError. Anything else
 * the worker ran into — a parser library throwing a plain Error, the thread running out of memory
 * or dying — happened while reading this file, so it is a 422 too ("cannot be read"), recorded
 * like any malformed file: never a 500 that leaves the journal row undecided.
 */
function errorOf(failure: ReadFailure): Error {
  switch (failure.type) {
    case 'parse':
      return new StatementParseError(failure.reason, failure.where);
    case 'invalid':
      return new ValidationError(failure.message, { errors: failure.errors });
    case 'unprocessable':
      return new UnprocessableContentError(failure.message, { errors: failure.errors });
    case 'crash':
      return unreadable(failure.message);
  }
}

function unreadable(why: string): UnprocessableContentError {
  const short = why.slice(0, 300);
  return new UnprocessableContentError(`the statement file cannot be read (the parser failed: ${short}); nothing was imported`, {
    errors: [{ path: 'file', message: short }],
  });
}

/**
 * A parse as the worker sends it: the format as soon as the file is checked, then the batches in
 * file order while the rest is still being read, then the summary. Any of them rejects with the
 * file's error (a StatementParseError, a 422 for the file) or ParseTimeoutError where the parse
 * fails, so whoever stored the earlier batches must undo them. One caller at a time.
 */
export interface ParsedBatches {
  /** The statement's format, known before its first line. */
  format(): Promise<StatementFormat>;
  /**
   * Every batch in file order, each decoded when it is reached. Iterating again starts over from
   * the first (the batches received are kept), so a store can be retried from scratch.
   */
  batches(): AsyncGenerator<EncodedBatch>;
  /** What the statement says beside its lines, once the last batch has come. */
  summary(): Promise<StatementSummary>;
}

/**
 * Reads a statement upload on a worker thread of its own, so neither a slow or hostile file nor a
 * big one holds up the API's event loop: the multipart form, the SHA-256, the parse and the
 * encoding of the lines all happen there, and the lines come back batch by batch as transferred
 * ArrayBuffers (EncodedBatchBytes), not as objects to be deserialised here — while the worker
 * reads the next batch, this thread can store the last. The worker is stopped when `budgetMs` is
 * spent before its last batch, counted from its start (a synchronous parse on the main thread
 * could not be interrupted at all); storing what it sent is not counted. One worker per import,
 * started ahead of it (prepareSpare) when the previous import began, so the next one does not
 * wait for a thread to load the parser.
 *
 * `transfer` moves the body's memory to the worker instead of copying it (the caller's Buffer is
 * then empty); only when the Buffer owns its whole ArrayBuffer, never a slice of Node's pool.
 */
export function readOffLoop(body: Buffer, opts: { contentType: string; maxLines: number; budgetMs: number; transfer?: boolean }): OffLoopRead {
  const ownsBuffer = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
  const transferList = opts.transfer && ownsBuffer ? [body.buffer] : [];
  const worker = takeWorker();
  prepareSpare();
  worker.postMessage({ body, contentType: opts.contentType, maxLines: opts.maxLines } satisfies ReadRequest, transferList);
  // The worker's replies in order; whatever stops the worker early fails the wait for the next.
  const replies: ReadReply[] = [];
  let wake: (() => void) | undefined;
  let ended: Error | undefined;
  const end = (err: Error) => {
    if (ended) return;
    ended = err;
    clearTimeout(timer);
    void worker.terminate();
    wake?.();
  };
  const timer = setTimeout(() => end(new ParseTimeoutError(opts.budgetMs)), opts.budgetMs);
  worker.on('message', (reply: ReadReply) => {
    // The budget is the parse's: storing the batches already here may take longer.
    if (reply.kind === 'parsed' || reply.kind === 'failed') clearTimeout(timer);
    replies.push(reply);
    wake?.();
  });
  worker.once('error', (err) => end(unreadable(`${err.name}: ${err.message}`)));
  worker.once('exit', (code) => end(unreadable(`the parser thread exited with code ${code} before answering`)));
  /** The next reply; a reply that says the worker failed rejects as its error. */
  const next = async (): Promise<ReadReply> => {
    for (;;) {
      const reply = replies.shift();
      if (reply?.kind === 'failed') {
        const err = errorOf(reply.failure);
        end(err);
        throw err;
      }
      if (reply) return reply;
      if (ended) throw ended;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };

  const head = next().then((reply) => {
    if (reply.kind !== 'hashed') throw unreadable(`unexpected reply ${reply.kind}`);
    return { sha256: reply.sha256, fields: reply.fields, fileBytes: reply.fileBytes };
  });
  head.catch(() => end(new Error('stopped')));
  return {
    head,
    parse(parseOpts) {
      let format: StatementFormat | undefined;
      let summary: StatementSummary | undefined;
      const received: EncodedBatchBytes[] = [];
      // One reply taken at a time, whoever asks: format(), batches() and summary() share it.
      let taking: Promise<void> | undefined;
      const take = () =>
        (taking ??= (async () => {
          await head;
          const reply = await next();
          if (reply.kind === 'format') format = reply.format;
          else if (reply.kind === 'batch') received.push({ rows: reply.rows, facts: reply.facts });
          else if (reply.kind === 'parsed') {
            const { kind: _kind, ...rest } = reply;
            summary = rest;
            end(new Error('done'));
          } else throw unreadable(`unexpected reply ${reply.kind}`);
        })().finally(() => (taking = undefined)));
      void head.then(() => worker.postMessage({ kind: 'parse', opts: parseOpts } satisfies ParseCommand), () => undefined);
      return {
        async format() {
          while (format === undefined) await take();
          return format;
        },
        async *batches() {
          for (let i = 0; ; i++) {
            while (i >= received.length && summary === undefined) await take();
            const bytes = received[i];
            if (bytes === undefined) return;
            yield decodeBatch(bytes);
          }
        },
        async summary() {
          while (summary === undefined) await take();
          return summary;
        },
      };
    },
    stop() {
      end(new Error('stopped'));
    },
  };
}

/** One batch of a parse: the JSON text the INSERT takes, and its lines' facts for deciding them. */
export interface EncodedBatch {
  rows: string;
  facts: LineFacts[];
}

const decoder = new TextDecoder();

function decodeBatch(bytes: EncodedBatchBytes): EncodedBatch {
  return {
    rows: decoder.decode(bytes.rows),
    facts: (JSON.parse(decoder.decode(bytes.facts)) as LineFactsTuple[]).map(lineFactsOf),
  };
}
