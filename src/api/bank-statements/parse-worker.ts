import { parentPort, workerData } from 'node:worker_threads';
import { type ParseOptions, parseStatement, StatementParseError } from '../../statements/index.js';

/** What the API thread hands over as workerData: the file and how to read it (RegExps survive the copy). */
export interface ParseRequest {
  bytes: Uint8Array;
  opts: ParseOptions;
}

export type ParseReply =
  | { ok: true; statement: ReturnType<typeof parseStatement> }
  | { ok: false; parseError: { reason: string; where: string } }
  | { ok: false; parseError?: undefined; message: string };

/**
 * The worker thread of parse-off-loop.ts: parses one file and answers once. A StatementParseError
 * crosses as its reason and place (classes do not survive structured cloning); anything else as a
 * message the API thread logs.
 */
function parseRequest(request: ParseRequest): ParseReply {
  try {
    const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
    return { ok: true, statement: parseStatement(bytes, request.opts) };
  } catch (err) {
    return err instanceof StatementParseError
      ? { ok: false, parseError: { reason: err.reason, where: err.where } }
      : { ok: false, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

if (parentPort && workerData) parentPort.postMessage(parseRequest(workerData as ParseRequest));
