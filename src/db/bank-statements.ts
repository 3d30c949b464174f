import { beforeKeyset, CURSOR_AT, type Keyset, keysetValues } from './keyset.js';
import type { Queryable } from './pool.js';
import { isUniqueViolation } from './unique-violation.js';
import type { PaymentStatus } from '../domain/payment.js';
import {
  type LineOutcome,
  type MatchTarget,
  REPAIRABLE_OUTCOMES,
  type SettledReason,
} from '../domain/statement-matching.js';

export interface BankStatementRow {
  id: string;
  sha256: string;
  format: 'camt.053' | 'camt.054' | 'mt940' | 'mt942' | 'csv';
  file_name: string | null;
  accounts: string[];
  statement_ids: string[];
  line_count: number;
  status: 'importing' | 'done';
  created_at: Date;
  completed_at: Date | null;
}

export interface BankLineRow {
  id: string;
  statement_id: string;
  line_no: number;
  /** The account of the statement the line is in (camt Acct/Id, MT940 :25:); null for CSV. */
  account: string | null;
  /** That statement's id inside the file (camt Stmt/Id, MT940 ":20: :25: :28C:"); null for CSV. */
  statement_ref: string | null;
  bank_reference: string | null;
  booking_date: string | null;
  value_date: string | null;
  amount_minor: bigint;
  currency: string;
  direction: 'credit' | 'debit';
  entry_status: 'booked' | 'pending' | 'other';
  reversal: boolean;
  references_found: string[];
  counterparty: string | null;
  text: string;
  outcome: LineOutcome | null;
  outcome_detail: string | null;
  matched_reference: string | null;
  temporary_payment_id: string | null;
  payment_id: string | null;
  matched_by: string | null;
  decided_at: Date | null;
  signaled_at: Date | null;
  signal_attempted_at: Date | null;
}

// accounts and statement_ids come back as json, which the driver reads with JSON.parse: a file of
// 100,000 one-transaction statements has 100,000 of each, and the driver's text[] parser is a
// JavaScript loop on the API thread.
const STATEMENT_COLUMNS =
  'id, sha256, format, file_name, to_json(accounts) AS accounts, to_json(statement_ids) AS statement_ids, line_count, status, created_at, completed_at';
const LINE_COLUMNS = `id, statement_id, line_no, account, statement_ref, bank_reference, to_char(booking_date, 'YYYY-MM-DD') AS booking_date,
  to_char(value_date, 'YYYY-MM-DD') AS value_date, amount_minor, currency, direction, entry_status, reversal, references_found,
  counterparty, text, outcome, outcome_detail, matched_reference, temporary_payment_id, payment_id, matched_by, decided_at, signaled_at, signal_attempted_at`;

/**
 * Inserts the statement, before its lines (completeStatementRow writes what they tell: accounts,
 * statement ids, line count), unless a file with the same hash is already there; returns which.
 */
export async function insertStatement(
  db: Queryable,
  s: Pick<BankStatementRow, 'id' | 'sha256' | 'format' | 'file_name'>,
): Promise<{ row: BankStatementRow; created: boolean }> {
  const res = await db.query<BankStatementRow>({
    text: `INSERT INTO bank_statements (id, sha256, format, file_name, line_count)
           VALUES ($1, $2, $3, $4, 0)
           ON CONFLICT (sha256) DO NOTHING RETURNING ${STATEMENT_COLUMNS}`,
    values: [s.id, s.sha256, s.format, s.file_name],
  });
  if (res.rows[0]) return { row: res.rows[0], created: true };
  const existing = await findStatementBySha(db, s.sha256);
  if (!existing) throw new Error(`statement ${s.sha256} vanished`);
  return { row: existing, created: false };
}

/**
 * What a statement says beside its lines, written once its last line is stored (an upload inserts
 * the row first, its lines refer to it, and learns these at the end), in the same transaction.
 */
export async function completeStatementRow(db: Queryable, id: string, s: Pick<BankStatementRow, 'accounts' | 'statement_ids' | 'line_count'>): Promise<BankStatementRow> {
  // As JSON text (one native stringify), not as arrays for the driver to quote element by element.
  const res = await db.query<BankStatementRow>({
    text: `UPDATE bank_statements
              SET accounts = ARRAY(SELECT jsonb_array_elements_text($2::jsonb)), statement_ids = ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), line_count = $4
            WHERE id = $1 RETURNING ${STATEMENT_COLUMNS}`,
    values: [id, JSON.stringify(s.accounts), JSON.stringify(s.statement_ids), s.line_count],
  });
  const row = res.rows[0];
  if (!row) throw new Error(`statement ${id} vanished`);
  return row;
}

export async function findStatementBySha(db: Queryable, sha256: string): Promise<BankStatementRow | undefined> {
  const res = await db.query<BankStatementRow>({ text: `SELECT ${STATEMENT_COLUMNS} FROM bank_statements WHERE sha256 = $1`, values: [sha256] });
  return res.rows[0];
}

export async function findStatement(db: Queryable, id: string): Promise<BankStatementRow | undefined> {
  const res = await db.query<BankStatementRow>({ text: `SELECT ${STATEMENT_COLUMNS} FROM bank_statements WHERE id = $1`, values: [id] });
  return res.rows[0];
}

export async function listStatements(db: Queryable, limit: number, before?: Keyset): Promise<Array<BankStatementRow & { cursor_at: string }>> {
  const res = await db.query<BankStatementRow & { cursor_at: string }>({
    text: `SELECT ${STATEMENT_COLUMNS}, ${CURSOR_AT} FROM bank_statements
            WHERE ${beforeKeyset(1)}
            ORDER BY created_at DESC, id DESC LIMIT $3`,
    values: [...keysetValues(before), limit],
  });
  return res.rows;
}

/** Marks the import done; returns the statement only the first time (a retried activity gets undefined). */
export async function markStatementDone(db: Queryable, id: string): Promise<{ id: string; format: string; file_name: string | null; line_count: number } | undefined> {
  const res = await db.query<{ id: string; format: string; file_name: string | null; line_count: number }>({
    text: `UPDATE bank_statements SET status = 'done', completed_at = now() WHERE id = $1 AND status <> 'done'
           RETURNING id, format, file_name, line_count`,
    values: [id],
  });
  return res.rows[0];
}

/** How many of a statement's lines ended with each outcome (undecided lines are not counted). */
export async function statementOutcomeCounts(db: Queryable, id: string): Promise<Record<string, number>> {
  const res = await db.query<{ outcome: string; n: number }>({
    text: 'SELECT outcome, count(*)::int AS n FROM bank_lines WHERE statement_id = $1 AND outcome IS NOT NULL GROUP BY outcome',
    values: [id],
  });
  return Object.fromEntries(res.rows.map((r) => [r.outcome, r.n]));
}

/**
 * Bulk insert of one batch of lines already encoded off the API thread (parse-worker.ts
 * encodeBatch), each with its decision: the batch is one JSON array of row arrays, passed as one
 * parameter and taken apart by Postgres, and the decisions are columns zipped to the rows by
 * position — a line is written once, decided, not inserted and then updated. Row layout: id,
 * line_no, account, statement_ref, bank_reference, booking_date, value_date, amount_minor
 * (string), currency, direction, entry_status, reversal, references (a text[] literal,
 * db/text-array-literal.ts: one cast, not a subquery per row), counterparty, text,
 * counterparty_account. `decisions` are in the batch's order (decideBatch keeps it).
 */
export async function insertDecidedLines(db: Queryable, statementId: string, rows: string, decisions: readonly LineDecision[], by: string): Promise<void> {
  const res = await db.query({
    name: 'insert-decided-lines',
    text: `INSERT INTO bank_lines (id, statement_id, line_no, account, statement_ref, bank_reference, booking_date, value_date, amount_minor,
                                   currency, direction, entry_status, reversal, references_found, counterparty, text, counterparty_account,
                                   outcome, outcome_detail, matched_reference, temporary_payment_id, payment_id, matched_by, decided_at)
           SELECT r->>0, $1, (r->>1)::int, r->>2, r->>3, r->>4, (r->>5)::date, (r->>6)::date, (r->>7)::bigint,
                  r->>8, r->>9, r->>10, (r->>11)::boolean,
                  (r->>12)::text[], r->>13, r->>14, r->>15,
                  d.outcome, d.detail, d.ref, d.tmp, d.pay, CASE WHEN d.outcome = 'matched' THEN $9 END, now()
             FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(r, n)
             JOIN unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS d(id, outcome, detail, ref, tmp, pay, n)
               ON d.n = e.n AND d.id = e.r->>0`,
    values: [
      statementId,
      rows,
      ...decisionColumns(decisions),
      by,
    ],
  });
  // The join is by position and id both, so a decision out of step with its row inserts nothing
  // rather than the wrong outcome; nothing is then committed either.
  if (res.rowCount !== decisions.length) throw new Error(`statement ${statementId}: ${res.rowCount ?? 0} of ${decisions.length} lines matched their decisions`);
}

/**
 * Whether `err` is a line refused because another line already matched its target (the
 * one-matched-line-per-target indexes, migration 0003): the last word between two imports, or a
 * person, deciding at once.
 */
export function isTargetMatchedAlready(err: unknown): boolean {
  return isUniqueViolation(err, 'bank_lines_one_per_temporary_idx', 'bank_lines_one_per_payment_idx');
}

export async function unsignaledMatches(db: Queryable, statementId: string, limit: number): Promise<BankLineRow[]> {
  const res = await db.query<BankLineRow>({
    text: `SELECT ${LINE_COLUMNS} FROM bank_lines
            WHERE statement_id = $1 AND outcome = 'matched' AND signaled_at IS NULL
            ORDER BY signal_attempted_at NULLS FIRST, line_no LIMIT $2`,
    values: [statementId, limit],
  });
  return res.rows;
}

export async function findLine(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<BankLineRow | undefined> {
  const res = await db.query<BankLineRow>({ text: `SELECT ${LINE_COLUMNS} FROM bank_lines WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, values: [id] });
  return res.rows[0];
}

/** The largest bank_lines.line_no (a Postgres integer): a cursor past it would be a database error, not an empty page. */
export const MAX_LINE_NO = 2_147_483_647;

export async function listLines(db: Queryable, statementId: string, afterLineNo: number, limit: number): Promise<BankLineRow[]> {
  const res = await db.query<BankLineRow>({
    text: `SELECT ${LINE_COLUMNS} FROM bank_lines WHERE statement_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3`,
    values: [statementId, afterLineNo, limit],
  });
  return res.rows;
}

export async function countOutcomes(db: Queryable, statementId: string): Promise<Record<string, number>> {
  const res = await db.query<{ outcome: string | null; n: number }>({
    text: 'SELECT outcome, count(*)::int AS n FROM bank_lines WHERE statement_id = $1 GROUP BY outcome',
    values: [statementId],
  });
  return Object.fromEntries(res.rows.map((r) => [r.outcome ?? 'pending', r.n]));
}

export interface LineDecision {
  id: string;
  outcome: LineOutcome;
  detail: string | null;
  matchedReference: string | null;
  temporaryPaymentId: string | null;
  paymentId: string | null;
}

/** Decisions as the six text[] parameters unnest($n::text[], …) AS d(id, outcome, detail, ref, tmp, pay) takes. */
function decisionColumns(decisions: readonly LineDecision[]): Array<Array<string | null>> {
  return [
    decisions.map((d) => d.id),
    decisions.map((d) => d.outcome),
    decisions.map((d) => d.detail),
    decisions.map((d) => d.matchedReference),
    decisions.map((d) => d.temporaryPaymentId),
    decisions.map((d) => d.paymentId),
  ];
}

export async function recordDecisions(db: Queryable, decisions: readonly LineDecision[], by: string): Promise<void> {
  if (decisions.length === 0) return;
  await db.query({
    text: `UPDATE bank_lines l
              SET outcome = d.outcome, outcome_detail = d.detail, matched_reference = d.ref, temporary_payment_id = d.tmp,
                  payment_id = d.pay, matched_by = CASE WHEN d.outcome = 'matched' THEN $7 END, decided_at = now()
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS d(id, outcome, detail, ref, tmp, pay)
            WHERE l.id = d.id AND l.outcome IS NULL`,
    values: [
      ...decisionColumns(decisions),
      by,
    ],
  });
}

/** A line whose workflow could not be told yet: tried again later, after lines never tried. */
export async function noteSignalAttempt(db: Queryable, lineId: string): Promise<void> {
  await db.query({ text: 'UPDATE bank_lines SET signal_attempted_at = now() WHERE id = $1', values: [lineId] });
}

export async function markSignaled(db: Queryable, lineIds: readonly string[]): Promise<void> {
  if (lineIds.length === 0) return;
  await db.query({ text: 'UPDATE bank_lines SET signaled_at = now() WHERE id = ANY($1::text[])', values: [lineIds] });
}

/** A match whose target had closed before it heard of it becomes a duplicate, for a person to see. */
export async function demoteMatch(db: Queryable, lineId: string, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE bank_lines SET outcome = 'duplicate', outcome_detail = $2, signaled_at = now(), temporary_payment_id = NULL, payment_id = NULL
            WHERE id = $1 AND outcome = 'matched'`,
    values: [lineId, detail],
  });
}

/** Pairs an unmatched line by hand, if its outcome is still one a person may overrule. */
export async function matchLineByHand(
  db: Queryable,
  lineId: string,
  m: { temporaryPaymentId: string | null; paymentId: string | null; reference: string; by: string; detail: string },
): Promise<BankLineRow | undefined> {
  const res = await db.query<{ id: string }>({
    text: `UPDATE bank_lines SET outcome = 'matched', outcome_detail = $5, matched_reference = $4, temporary_payment_id = $2, payment_id = $3,
                                 matched_by = $6, decided_at = now(), signaled_at = NULL
            WHERE id = $1 AND outcome = ANY($7::text[]) RETURNING id`,
    values: [lineId, m.temporaryPaymentId, m.paymentId, m.reference, m.detail, m.by, REPAIRABLE_OUTCOMES],
  });
  return res.rows[0] ? findLine(db, lineId) : undefined;
}

/** The line matched to a temporary payment or payment, if one is (at most one can be). */
export async function matchedLineFor(db: Queryable, target: { temporaryPaymentId: string } | { paymentId: string }): Promise<{ id: string; line_no: number } | undefined> {
  const [column, id] = 'paymentId' in target ? ['payment_id', target.paymentId] : ['temporary_payment_id', target.temporaryPaymentId];
  const res = await db.query<{ id: string; line_no: number }>({
    text: `SELECT id, line_no FROM bank_lines WHERE ${column} = $1 AND outcome = 'matched' LIMIT 1`,
    values: [id],
  });
  return res.rows[0];
}

/**
 * Locks the targets a batch is about to match and returns what takesBankMatch needs of each (a
 * target gone missing is simply absent). An expiry or a hand change waits on the lock, then sees
 * the match.
 */
export async function lockMatchTargets(db: Queryable, temporaryIds: readonly string[], paymentIds: readonly string[]): Promise<MatchTarget[]> {
  const locked: MatchTarget[] = [];
  if (temporaryIds.length > 0) {
    const t = await db.query<{ status: 'open' | 'settled'; settled_reason: SettledReason | null }>({
      text: 'SELECT status, settled_reason FROM temporary_payments WHERE id = ANY($1::text[]) FOR SHARE',
      values: [temporaryIds],
    });
    locked.push(...t.rows.map((r) => ({ kind: 'temporary' as const, status: r.status, settledReason: r.settled_reason })));
  }
  if (paymentIds.length > 0) {
    const p = await db.query<{ status: PaymentStatus; adapter: string }>({
      text: 'SELECT status, adapter FROM payments WHERE id = ANY($1::text[]) FOR SHARE',
      values: [paymentIds],
    });
    locked.push(...p.rows.map((r) => ({ kind: 'payment' as const, status: r.status, adapter: r.adapter })));
  }
  return locked;
}

/** Matched lines whose workflow was never told (Temporal was down): the relay's work, oldest first. */
export async function staleUnsignaledMatches(db: Queryable, decidedBefore: Date, limit: number): Promise<BankLineRow[]> {
  const res = await db.query<BankLineRow>({
    text: `SELECT ${LINE_COLUMNS} FROM bank_lines
            WHERE outcome = 'matched' AND signaled_at IS NULL AND decided_at < $1
            ORDER BY signal_attempted_at NULLS FIRST, decided_at LIMIT $2`,
    values: [decidedBefore, limit],
  });
  return res.rows;
}

/** Statements still importing a while after they were stored: their workflow may never have started. */
export async function stalledStatements(db: Queryable, createdBefore: Date, limit: number): Promise<BankStatementRow[]> {
  const res = await db.query<BankStatementRow>({
    text: `SELECT ${STATEMENT_COLUMNS} FROM bank_statements WHERE status = 'importing' AND created_at < $1 ORDER BY created_at LIMIT $2`,
    values: [createdBefore, limit],
  });
  return res.rows;
}

/**
 * The line that settled a temporary payment a person has reopened: no longer matched, and free to be
 * paired by hand again (outcome not_found). The temporary payment's history keeps the link.
 */
export async function unpairLine(db: Queryable, lineId: string, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE bank_lines SET outcome = 'not_found', outcome_detail = $2, temporary_payment_id = NULL, payment_id = NULL, matched_by = NULL
            WHERE id = $1 AND outcome = 'matched'`,
    values: [lineId, detail],
  });
}
