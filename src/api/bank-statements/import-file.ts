import { z } from '@hono/zod-openapi';
import { PayloadTooLargeError, TooManyRequestsError, UnavailableError, UnprocessableContentError, ValidationError } from '../../domain/errors.js';
import { type BankStatementRow, completeStatementRow, findStatementBySha, insertDecidedLines, insertStatement, isTargetMatchedAlready } from '../../db/bank-statements.js';
import { decideBatch } from '../../db/statement-decide-batch.js';
import { newId } from '../../db/ids.js';
import { journalInbound, rejectInbound, type NewInboundRequest } from '../../db/inbound-requests.js';
import { inTransaction, type Queryable } from '../../db/pool.js';
import { type StatementFormat, StatementParseError } from '../../statements/index.js';
import { startStatementImport } from '../../temporal/start.js';
import { CsvMap, type CsvMapConfig } from '../../config-statements.js';
import type { AppDeps } from '../env.js';
import { type ParsedBatches, ParseTimeoutError, readOffLoop } from './parse-off-loop.js';

export const STATEMENT_FORMATS = ['camt.053', 'camt.054', 'mt940', 'mt942', 'csv'] as const satisfies readonly StatementFormat[];

/** The upload's parameters: query string, or multipart form fields (the query wins). */
export const UploadQuery = z.object({
  format: z.enum(STATEMENT_FORMATS).optional().openapi({ description: 'Detected when left out (camt.053, camt.054, MT940; an MT942 is reported as mt942); CSV must be named' }),
  csv_map: z.string().max(2000).optional().openapi({ description: 'A column map named in the statements file (config/statements.yaml), or one given inline as JSON ({"amount":"Amount","currency":"Currency",…})' }),
  file_name: z.string().max(200).optional(),
});

/** Kept of each uploaded file in the journal: enough to see what arrived, not a second copy of 50 MB. */
const JOURNAL_BODY_BYTES = 64 * 1024;

export interface StatementUpload {
  /** The request body: the statement file itself, or a multipart/form-data body with it as the field "file". */
  bytes: Buffer;
  /** The body's Content-Type; multipart/form-data is taken apart on the worker thread. */
  contentType?: string | undefined;
  /** format, csv_map, file_name as the query string gave them; they win over form fields of the same name. */
  params?: Record<string, string> | undefined;
  /** The journal row of the upload (journalStatementUpload), which records how it ended. */
  journalId: bigint;
  /**
   * Move `bytes` to the parse worker instead of copying them (the Buffer is unusable afterwards):
   * the API does, so a 100 MB body is not copied on its event loop.
   */
  handOver?: boolean;
}

/** Journals an upload as it arrived, before anything reads it; refusals are recorded on the row. */
export async function journalStatementUpload(
  db: Queryable,
  origin: Pick<NewInboundRequest, 'source' | 'method' | 'path' | 'headers' | 'sourceIp'>,
  bytes: Buffer,
  truncated: boolean,
): Promise<bigint> {
  return journalInbound(db, {
    channel: 'statement',
    ...origin,
    body: bytes.subarray(0, JOURNAL_BODY_BYTES).toString('utf8'),
    raw: bytes.subarray(0, JOURNAL_BODY_BYTES),
    bodyTruncated: truncated || bytes.length > JOURNAL_BODY_BYTES,
  });
}

/** Records a refused upload on its journal row; the caller answers with the error. */
export async function refuseUpload(db: Queryable, journalId: bigint, err: unknown): Promise<void> {
  if (err instanceof PayloadTooLargeError) await rejectInbound(db, journalId, 'rejected_too_large', err.message);
  else if (err instanceof TooManyRequestsError) await rejectInbound(db, journalId, 'rejected_busy', err.message);
  else if (err instanceof UnprocessableContentError || err instanceof ValidationError) await rejectInbound(db, journalId, 'rejected_malformed', err.message.slice(0, 500));
}

export interface ImportResult {
  statement: BankStatementRow;
  /** The same file (same SHA-256) had been imported before: nothing new was created. */
  duplicate: boolean;
}

/** What a refused import tells the uploader to wait: about one typical import. */
const BUSY_RETRY_AFTER_SECONDS = 5;

/** The 429 of an import past STATEMENT_MAX_CONCURRENT_IMPORTS. */
export function importsBusy(slots: Pick<AppDeps['statementImports'], 'max'>): TooManyRequestsError {
  return new TooManyRequestsError(
    `${slots.max} statement imports are already running; nothing was imported, send the file again in a few seconds`,
    BUSY_RETRY_AFTER_SECONDS,
  );
}

type ImportDeps = Pick<AppDeps, 'pool' | 'temporal' | 'config' | 'statementImports'>;

/**
 * Imports a statement file: parses it and stores the statement and its lines as they are read,
 * each decided (matched, duplicate, …) as it is stored, in one transaction (a file found
 * malformed anywhere imports nothing), and starts
 * `bank-statement:<sha256>`, which tells the matched payments. One
 * recipe for the API and the CLI. At most STATEMENT_MAX_CONCURRENT_IMPORTS run at once in a
 * process; one more is refused (429, Retry-After) and journaled as rejected_busy. The API takes
 * its slot itself, before it reads the body, and calls importInSlot.
 */
export async function importStatementFile(deps: ImportDeps, upload: StatementUpload): Promise<ImportResult> {
  const release = deps.statementImports.tryAcquire();
  try {
    if (!release) throw importsBusy(deps.statementImports);
    return await importInSlot(deps, upload);
  } catch (err) {
    await refuseUpload(deps.pool, upload.journalId, err);
    throw err;
  } finally {
    release?.();
  }
}

/**
 * The import, for a caller already holding an import slot; a refusal is thrown (and left to the
 * caller to journal with refuseUpload). Everything that grows with the file runs on the parse
 * worker (parse-off-loop.ts); this thread only looks the hash up, resolves the CSV map, and
 * decides and passes the worker's encoded batches to Postgres while the worker reads on.
 */
export async function importInSlot(deps: Pick<ImportDeps, 'pool' | 'temporal' | 'config'>, upload: StatementUpload): Promise<ImportResult> {
  const { journalId } = upload;
  const budget = deps.config.STATEMENT_PARSE_TIMEOUT_MS;
  const reader = readOffLoop(upload.bytes, {
    contentType: upload.contentType ?? '',
    maxLines: deps.config.STATEMENT_MAX_LINES,
    budgetMs: budget,
    transfer: upload.handOver,
  });
  try {
    const head = await readerStage(reader.head, budget);
    const q = UploadQuery.safeParse({ ...head.fields, ...upload.params });
    if (!q.success) throw new ValidationError('the upload parameters are invalid', { errors: q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    if (head.fileBytes === 0) throw new ValidationError('the statement file is empty', { errors: [{ path: 'file', message: 'empty' }] });
    const earlier = await findStatementBySha(deps.pool, head.sha256);
    if (earlier) {
      reader.stop();
      await ensureImportRunning(deps, earlier);
      await rejectInbound(deps.pool, journalId, 'duplicate', `the same file was imported as ${earlier.id}`);
      return { statement: earlier, duplicate: true };
    }
    const csv = csvMapFor(deps, q.data.format, q.data.csv_map);
    const parsed = reader.parse({ format: q.data.format, csv, patterns: deps.config.statements.patterns });
    const result = await readerStage(store(deps, head.sha256, q.data.file_name, parsed), budget);
    // Started after the commit, so the workflow always finds the lines. If Temporal refuses, the
    // statement stays stored, not matched: uploading the same file again starts its matching.
    await ensureImportRunning(deps, result.statement).catch(async (err: unknown) => {
      await rejectInbound(deps.pool, journalId, 'imported', `stored as ${result.statement.id}; matching starts when Temporal is back`);
      throw err;
    });
    await rejectInbound(deps.pool, journalId, result.duplicate ? 'duplicate' : 'imported', `statement ${result.statement.id}, ${result.statement.line_count} lines`);
    return result;
  } finally {
    reader.stop();
  }
}

/** Stores tried when another import keeps matching the same payments first; then the upload fails (nothing stored). */
const STORE_ATTEMPTS = 3;

/**
 * Stores the statement with its lines, decided, in one transaction, batch by batch as the parse
 * worker hands them over: the worker reads the next batch while this stores the last. The
 * transaction opens once the file has been checked whole (its format known); a file that turns
 * out malformed further on, or runs out of time, rolls it back, so a file imports whole or not at
 * all. Two files paying the same payment, imported at once, both decide it matched; the second to
 * insert waits on the first and then breaks the one-match-per-target index, and is stored again
 * from scratch (the batches received are kept), where it sees the first's match (its line a
 * duplicate).
 */
async function store(deps: Pick<ImportDeps, 'pool'>, sha256: string, fileName: string | undefined, parsed: ParsedBatches): Promise<ImportResult> {
  const format = await parsed.format();
  for (let attempt = 1; ; attempt++) {
    try {
      return await storeOnce(deps, { sha256, fileName, format }, parsed);
    } catch (err) {
      if (!isTargetMatchedAlready(err) || attempt === STORE_ATTEMPTS) throw err;
    }
  }
}

async function storeOnce(
  deps: Pick<ImportDeps, 'pool'>,
  file: { sha256: string; fileName: string | undefined; format: StatementFormat },
  parsed: ParsedBatches,
): Promise<ImportResult> {
  return inTransaction(deps.pool, async (tx) => {
    // Accounts, statement ids and the line count are known after the last line; the row comes
    // first because every line refers to it.
    const { row, created } = await insertStatement(tx, {
      id: newId('stm'),
      sha256: file.sha256,
      format: file.format,
      file_name: file.fileName ?? null,
    });
    if (!created) return { statement: row, duplicate: true };
    // Each batch decided as it is stored (what the import workflow's first activity did over
    // the stored rows, rewriting every one): the workflow then only tells the matched payments.
    for await (const batch of parsed.batches()) {
      await insertDecidedLines(tx, row.id, batch.rows, await decideBatch(tx, row.id, batch.facts), 'import');
    }
    const summary = await parsed.summary();
    const statement = await completeStatementRow(tx, row.id, { accounts: summary.accounts, statement_ids: summary.statementIds, line_count: summary.lineCount });
    return { statement, duplicate: false };
  });
}

function csvMapFor(deps: Pick<AppDeps, 'config'>, format: StatementFormat | undefined, name: string | undefined): CsvMapConfig | undefined {
  if (format !== 'csv') return undefined;
  const maps = deps.config.statements.csvMaps;
  const csv = name?.trimStart().startsWith('{') ? inlineMap(name) : name ? maps[name] : undefined;
  if (!csv) {
    throw new ValidationError(name ? `no CSV column map named "${name}"` : 'a CSV statement needs csv_map', {
      errors: [{ path: 'csv_map', message: `one of: ${Object.keys(maps).join(', ') || '(none configured)'}` }],
    });
  }
  return csv;
}

/** A stage of the off-loop read, with its failures as the answers they are (422 for the file). */
async function readerStage<T>(stage: Promise<T>, budget: number): Promise<T> {
  try {
    return await stage;
  } catch (err) {
    if (err instanceof ParseTimeoutError) {
      throw new UnprocessableContentError(`the statement file took longer than ${budget} ms to read (STATEMENT_PARSE_TIMEOUT_MS), so reading it was stopped; nothing was imported`, {
        errors: [{ path: 'file', message: `parse time budget of ${budget} ms exceeded` }],
      });
    }
    if (err instanceof StatementParseError) {
      throw new UnprocessableContentError(`the statement file cannot be read: ${err.reason} (at ${err.where}); nothing was imported`, {
        errors: [{ path: err.where, message: err.reason }],
      });
    }
    throw err;
  }
}

/** A column map given with the upload itself, as JSON, for a bank not yet in the statements file. */
function inlineMap(json: string): CsvMapConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ValidationError('csv_map is neither a map name nor valid JSON', { errors: [{ path: 'csv_map', message: 'invalid JSON' }] });
  }
  const parsed = CsvMap.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError('csv_map is not a valid column map', { errors: parsed.error.issues.map((i) => ({ path: `csv_map.${i.path.join('.')}`, message: i.message })) });
  }
  return parsed.data;
}

/** Starts the statement's import workflow unless it is done or already running; waits on Temporal a bounded time. */
export async function ensureImportRunning(deps: Pick<AppDeps, 'temporal' | 'config'>, statement: BankStatementRow): Promise<void> {
  if (statement.status === 'done') return;
  try {
    await startStatementImport(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, statement, deps.config.CALLBACK_SIGNAL_TIMEOUT_MS);
  } catch (err) {
    throw new UnavailableError(`the statement is stored as ${statement.id}, but Temporal is unreachable so its lines are not matched yet; matching starts by itself once Temporal is back (or upload the same file again)`, {
      cause: err instanceof Error ? err.message : String(err),
    });
  }
}
