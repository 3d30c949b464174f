import type { Queryable } from './pool.js';
import type { PaymentStatus } from '../domain/payment.js';
import { BANK_KEY_SEEN_OUTCOMES, type Candidate, decideLine, type LineFacts, type SettledReason, takesBankMatch } from '../domain/statement-matching.js';
import { type LineDecision, lockMatchTargets } from './bank-statements.js';

/** An undecided line with just the facts decideLine reads. */
export type UndecidedLine = LineFacts;

export interface TemporaryByReference {
  id: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
  status: 'open' | 'settled';
  settledReason: SettledReason | null;
}

/**
 * A bank-transfer payment pending or paid: a paid one makes its line a duplicate naming it. An
 * expired or canceled one is not a candidate (a late transfer is `not_found`, for a person).
 */
export interface BankTransferByReference {
  id: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
  status: PaymentStatus;
  adapter: string;
}

/** What deciding a batch of lines reads besides the lines themselves. */
export interface DecideCandidates {
  /** Temporary payments carrying any reference of the batch, whatever their status. */
  temporaries: TemporaryByReference[];
  /** Bank-transfer payments carrying any reference of the batch, pending or paid. */
  payments: BankTransferByReference[];
  /** bank_reference|currency|amount of the batch's lines already decided in other statements (BANK_KEY_SEEN_OUTCOMES). */
  seenBankKeys: Set<string>;
  /** `temporary:<id>` / `payment:<id>` of those targets some line already matched. */
  matchedTargets: Set<string>;
}

/**
 * A line's facts as JSON carries them (from Postgres here, from the parse worker to the upload):
 * id, bank key (the stored bank_reference), amount in minor units as a string (never a JSON
 * number), currency, direction, entry status, reversal, references.
 */
export type LineFactsTuple = [string, string | null, string, string, LineFacts['direction'], LineFacts['entryStatus'], boolean, string[]];

export function lineFactsOf([id, bankKey, amount, currency, direction, entryStatus, reversal, references]: LineFactsTuple): LineFacts {
  return { id, bankKey, amountMinor: BigInt(amount), currency, direction, entryStatus, reversal, references };
}

/** The next `limit` undecided lines of a statement, by line_no, with just the facts decideLine reads. */
export async function loadUndecidedLines(db: Queryable, statementId: string, limit: number): Promise<UndecidedLine[]> {
  const res = await db.query<{ lines: LineFactsTuple[] | null }>({
    name: 'load-undecided-lines',
    text: `SELECT json_agg(json_build_array(id, bank_reference, amount_minor::text, currency, direction, entry_status, reversal, references_found) ORDER BY line_no) AS lines
             FROM (SELECT * FROM bank_lines WHERE statement_id = $1 AND outcome IS NULL ORDER BY line_no LIMIT $2) AS batch`,
    values: [statementId, limit],
  });
  return (res.rows[0]?.lines ?? []).map(lineFactsOf);
}

type CandidatesRow = {
  temporaries: Array<[string, string, string, string, 'open' | 'settled', SettledReason | null]> | null;
  payments: Array<[string, string, string, string, PaymentStatus, string]> | null;
  seen: string[] | null;
  matched: string[] | null;
};

/**
 * The candidates of a batch of lines of one statement, the bank references seen before in other
 * statements and the targets already matched (by any line, this statement's earlier batches too),
 * in one round trip and as one JSON value. Amounts cross as text, never as JSON numbers, so no
 * amount passes through a float. `= ANY(…)` keeps every lookup an index scan per key.
 */
export async function loadCandidates(db: Queryable, statementId: string, lines: readonly UndecidedLine[]): Promise<DecideCandidates> {
  const references = [...new Set(lines.flatMap((l) => l.references))];
  const bankKeys = [...new Set(lines.flatMap((l) => (l.bankKey === null ? [] : [l.bankKey])))];
  const res = await db.query<CandidatesRow>({
    name: 'load-decide-candidates',
    // Each lookup joins the keys as rows (unnest) so that it is an index probe per key whatever
    // the statistics say: with `= ANY($n)` the planner took a sequential scan of bank_lines,
    // comparing each row with every key, for the lines the upload's own transaction had just
    // written (bench:statements: 1.5 s a batch, where a probe per key is milliseconds).
    text: `WITH refs AS MATERIALIZED (SELECT DISTINCT unnest($2::text[]) AS ref),
           tmp AS MATERIALIZED (
             SELECT t.id, t.reference, t.amount_minor, t.currency, t.status, t.settled_reason FROM refs JOIN temporary_payments t ON t.reference = refs.ref
           ),
           pay AS MATERIALIZED (
             SELECT p.id, p.reference, p.amount_minor, p.currency, p.status, p.adapter FROM refs JOIN payments p ON p.reference = refs.ref WHERE p.adapter = 'bank_transfer' AND p.status IN ('pending', 'succeeded')
           )
           SELECT
             (SELECT json_agg(json_build_array(id, reference, amount_minor::text, currency, status, settled_reason)) FROM tmp) AS temporaries,
             (SELECT json_agg(json_build_array(id, reference, amount_minor::text, currency, status, adapter)) FROM pay) AS payments,
             (SELECT json_agg(DISTINCT l.bank_reference || '|' || l.currency || '|' || l.amount_minor)
                FROM (SELECT DISTINCT unnest($3::text[]) AS key) AS k JOIN bank_lines l ON l.bank_reference = k.key
               WHERE l.statement_id <> $1 AND l.outcome = ANY($4::text[])) AS seen,
             (SELECT json_agg(m.target) FROM (
                SELECT 'temporary:' || l.temporary_payment_id AS target FROM tmp JOIN bank_lines l ON l.temporary_payment_id = tmp.id AND l.outcome = 'matched'
                UNION ALL
                SELECT 'payment:' || l.payment_id FROM pay JOIN bank_lines l ON l.payment_id = pay.id AND l.outcome = 'matched') AS m) AS matched`,
    values: [statementId, references, bankKeys, BANK_KEY_SEEN_OUTCOMES],
  });
  const row = res.rows[0];
  return {
    temporaries: (row?.temporaries ?? []).map(([id, reference, amount, currency, status, settledReason]) => ({ id, reference, amountMinor: BigInt(amount), currency, status, settledReason })),
    payments: (row?.payments ?? []).map(([id, reference, amount, currency, status, adapter]) => ({ id, reference, amountMinor: BigInt(amount), currency, status, adapter })),
    seenBankKeys: new Set(row?.seen ?? []),
    matchedTargets: new Set(row?.matched ?? []),
  };
}

/** A re-decided batch whose matched targets changed again; any more is a fault, not a race. */
const MAX_DECIDE_ROUNDS = 5;

/**
 * Decides a batch of lines of one statement inside the caller's transaction, as the import and
 * the import workflow's activity both do: the candidates are read, every line decided
 * (decideLine, in line order, so one target is matched once), and the targets matched are locked
 * FOR SHARE until the caller commits. A target that stopped taking a bank match between the read
 * and the lock (expired, settled a moment ago) has the batch decided again from fresh candidates.
 * The one-matched-line-per-target unique indexes stay the last word between two transactions
 * deciding at once.
 */
export async function decideBatch(tx: Queryable, statementId: string, lines: readonly UndecidedLine[]): Promise<LineDecision[]> {
  for (let round = 1; ; round++) {
    const candidates = await loadCandidates(tx, statementId, lines);
    const decisions = decideAll(lines, candidates);
    const targets = (kind: 'temporaryPaymentId' | 'paymentId') => decisions.map((d) => d[kind]).filter((id): id is string => id !== null);
    const [temporaryIds, paymentIds] = [targets('temporaryPaymentId'), targets('paymentId')];
    const locked = await lockMatchTargets(tx, temporaryIds, paymentIds);
    if (locked.length === temporaryIds.length + paymentIds.length && locked.every(takesBankMatch)) return decisions;
    if (round === MAX_DECIDE_ROUNDS) throw new Error(`the payments matched by statement ${statementId} kept changing while it was decided`);
  }
}

function decideAll(lines: readonly UndecidedLine[], batch: DecideCandidates): LineDecision[] {
  const byReference = new Map<string, Candidate[]>();
  const add = (c: Candidate) => {
    const list = byReference.get(c.reference);
    if (list) list.push(c);
    else byReference.set(c.reference, [c]);
  };
  // Kept when they no longer take a match (settled by the bank, a transfer already paid): the
  // line is then a duplicate naming its target, not "not found".
  for (const t of batch.temporaries) add({ kind: 'temporary', ...t });
  for (const p of batch.payments) add({ kind: 'payment', ...p });
  const ctx = { byReference, seenBankKeys: batch.seenBankKeys, matchedTargets: batch.matchedTargets };
  return lines.map((l) => {
    const d = decideLine(l, ctx);
    return {
      id: l.id,
      outcome: d.outcome,
      detail: d.detail,
      matchedReference: d.reference,
      temporaryPaymentId: d.target?.kind === 'temporary' ? d.target.id : null,
      paymentId: d.target?.kind === 'payment' ? d.target.id : null,
    };
  });
}
