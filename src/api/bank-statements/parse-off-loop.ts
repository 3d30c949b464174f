import { Worker } from 'node:worker_threads';
import { type ParsedStatement, type ParseOptions, StatementParseError } from '../../statements/index.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';

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

function startWorker(request: ParseRequest): Worker {
  if (!UNDER_TSX) return new Worker(WORKER_URL, { workerData: request });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData: request });
}

/**
 * Parses a statement file on a worker thread of its own, so a slow or hostile file never holds up
 * the API's event loop, and stops the worker when `budgetMs` is spent (a synchronous parse on the
 * main thread could not be interrupted at all). One worker per import: imports are few (bounded by
 * STATEMENT_MAX_CONCURRENT_IMPORTS) and the start-up cost, tens of milliseconds, is small beside a
 * parse. Throws StatementParseError as the parser would, ParseTimeoutError on the budget.
 */
export function parseOffLoop(bytes: Buffer, opts: ParseOptions, budgetMs: number): Promise<ParsedStatement> {
  return new Promise<ParsedStatement>((resolve, reject) => {
    const worker = startWorker({ bytes, opts });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new ParseTimeoutError(budgetMs))), budgetMs);
    worker.once('message', (reply: ParseReply) =>
      finish(() => {
        if (reply.ok) resolve(reply.statement);
        else if (reply.parseError) reject(new StatementParseError(reply.parseError.reason, reply.parseError.where));
        else reject(new Error(`statement parser failed: ${reply.message}`));
      }),
    );
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`statement parser exited with code ${code} before answering`))));
  });
}
