import { createHash } from 'node:crypto';
import { PayloadTooLargeError, TooManyRequestsError, UnavailableError, UnprocessableContentError, ValidationError } from '../../domain/errors.js';
import { MAX_JSON_SAFE_MINOR } from '../../domain/money.js';
import { type BankStatementRow, findStatementBySha, insertLines, insertStatement } from '../../db/bank-statements.js';
import { newId } from '../../db/ids.js';
import { journalInbound, rejectInbound, type NewInboundRequest } from '../../db/inbound-requests.js';
import { inTransaction, type Queryable } from '../../db/pool.js';
import { type ParsedStatement, type StatementFormat, StatementParseError } from '../../statements/index.js';
import { startStatementImport } from '../../temporal/start.js';
import { CsvMap, type CsvMapConfig } from '../../config-statements.js';
import type { AppDeps } from '../env.js';
import { ParseTimeoutError, parseOffLoop } from './parse-off-loop.js';

export const STATEMENT_FORMATS = ['camt.053', 'camt.054', 'mt940', 'mt942', 'csv'] as const satisfies readonly StatementFormat[];

/** Kept of each uploaded file in the journal: enough to see what arrived, not a second copy of 50 MB. */
const JOURNAL_BODY_BYTES = 64 * 1024;

export interface StatementUpload {
  bytes: Buffer;
  fileName?: string | undefined;
  format?: StatementFormat | undefined;
  /** A named column map from the statements file; required for CSV. */
  csvMap?: string | undefined;
  /** The journal row of the upload (journalStatementUpload), which records how it ended. */
  journalId: bigint;
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

/**
 * Imports a statement file: journals it, parses all of it (a malformed file imports nothing),
 * stores the statement and its lines, and starts `bank-statement:<sha256>`, which matches the
 * lines. One recipe for the API and the CLI. At most STATEMENT_MAX_CONCURRENT_IMPORTS run at once
 * in a process; one more is refused (429, Retry-After) and journaled as rejected_busy.
 */
export async function importStatementFile(deps: Pick<AppDeps, 'pool' | 'temporal' | 'config' | 'statementImports'>, upload: StatementUpload): Promise<ImportResult> {
  const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
  const { journalId } = upload;
  const release = deps.statementImports.tryAcquire();
  try {
    if (!release) {
      throw new TooManyRequestsError(
        `${deps.statementImports.max} statement imports are already running; nothing was imported, send the file again in a few seconds`,
        BUSY_RETRY_AFTER_SECONDS,
      );
    }
    const earlier = await findStatementBySha(deps.pool, sha256);
    if (earlier) {
      await ensureImportRunning(deps, earlier);
      await rejectInbound(deps.pool, journalId, 'duplicate', `the same file was imported as ${earlier.id}`);
      return { statement: earlier, duplicate: true };
    }
    const parsed = await parse(deps, upload);
    const result = await inTransaction(deps.pool, async (tx) => {
      const { row, created } = await insertStatement(tx, {
        id: newId('stm'),
        sha256,
        format: parsed.format,
        file_name: upload.fileName ?? null,
        accounts: parsed.accounts,
        statement_ids: parsed.statementIds,
        line_count: parsed.lines.length,
      });
      if (!created) return { statement: row, duplicate: true };
      assertAmountsFit(parsed);
      await insertLines(
        tx,
        row.id,
        parsed.lines.map((l) => ({
          id: newId('bln'),
          lineNo: l.index + 1,
          account: l.account,
          statementRef: l.statementId,
          // Batch items share their entry's reference; the position keeps them apart.
          bankReference: l.bankReference === null ? null : l.batchIndex === null ? l.bankReference : `${l.bankReference}#${l.batchIndex}`,
          bookingDate: l.bookingDate,
          valueDate: l.valueDate,
          amountMinor: l.amountMinor,
          currency: l.currency,
          direction: l.direction,
          entryStatus: l.status,
          reversal: l.reversal,
          references: l.references,
          counterparty: l.counterparty,
          text: l.text,
        })),
      );
      return { statement: row, duplicate: false };
    });
    // Started after the commit, so the workflow always finds the lines. If Temporal refuses, the
    // statement stays stored, not matched: uploading the same file again starts its matching.
    await ensureImportRunning(deps, result.statement).catch(async (err: unknown) => {
      await rejectInbound(deps.pool, journalId, 'imported', `stored as ${result.statement.id}; matching starts when Temporal is back`);
      throw err;
    });
    await rejectInbound(deps.pool, journalId, result.duplicate ? 'duplicate' : 'imported', `statement ${result.statement.id}, ${result.statement.line_count} lines`);
    return result;
  } catch (err) {
    await refuseUpload(deps.pool, journalId, err);
    throw err;
  } finally {
    release?.();
  }
}

/** What a refused import tells the uploader to wait: about one typical import. */
const BUSY_RETRY_AFTER_SECONDS = 5;

/** Amounts travel as JSON integers and are stored as bigint: refuse what would not survive either. */
function assertAmountsFit(parsed: ParsedStatement): void {
  const tooBig = parsed.lines.find((l) => l.amountMinor > MAX_JSON_SAFE_MINOR);
  if (tooBig) {
    throw new UnprocessableContentError(`line ${tooBig.index + 1}: the amount is too large to be a payment; nothing was imported`, {
      errors: [{ path: `line ${tooBig.index + 1}`, message: 'amount too large' }],
    });
  }
}

async function parse(deps: Pick<AppDeps, 'config'>, upload: StatementUpload): Promise<ParsedStatement> {
  const maps = deps.config.statements.csvMaps;
  let csv;
  if (upload.format === 'csv') {
    const name = upload.csvMap;
    csv = name?.trimStart().startsWith('{') ? inlineMap(name) : name ? maps[name] : undefined;
    if (!csv) {
      throw new ValidationError(name ? `no CSV column map named "${name}"` : 'a CSV statement needs csv_map', {
        errors: [{ path: 'csv_map', message: `one of: ${Object.keys(maps).join(', ') || '(none configured)'}` }],
      });
    }
  }
  const budget = deps.config.STATEMENT_PARSE_TIMEOUT_MS;
  try {
    return await parseOffLoop(upload.bytes, { format: upload.format, csv, patterns: deps.config.statements.patterns }, budget);
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
