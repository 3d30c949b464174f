import type { Queryable } from './pool.js';
import type { PaymentStatus } from '../domain/payment.js';
import { BANK_KEY_SEEN_OUTCOMES, type LineFacts, type SettledReason } from '../domain/statement-matching.js';

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

export interface PendingPaymentByReference {
  id: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
  status: PaymentStatus;
  adapter: string;
}

/** Everything one batch of a statement needs to be decided, read in one query. */
export interface DecideBatch {
  lines: UndecidedLine[];
  /** Temporary payments carrying any reference of the batch, whatever their status. */
  temporaries: TemporaryByReference[];
  /** Pending payments carrying any reference of the batch. */
  payments: PendingPaymentByReference[];
  /** bank_reference|currency|amount of the batch's lines already decided in other statements (BANK_KEY_SEEN_OUTCOMES). */
  seenBankKeys: Set<string>;
  /** `temporary:<id>` / `payment:<id>` of those targets some line already matched. */
  matchedTargets: Set<string>;
}

type Row = {
  lines: Array<[string, string | null, string, string, LineFacts['direction'], LineFacts['entryStatus'], boolean, string[]]> | null;
  temporaries: Array<[string, string, string, string, 'open' | 'settled', SettledReason | null]> | null;
  payments: Array<[string, string, string, string, PaymentStatus, string]> | null;
  seen: string[] | null;
  matched: string[] | null;
};

/**
 * The next `limit` undecided lines of a statement (by line_no) with their candidates, the bank
 * references seen before and the targets already matched, in one round trip (it was five queries,
 * three of them one after the other) and as one JSON value rather than rows of every line column.
 * Amounts cross as text, never as JSON numbers, so no amount passes through a float.
 * `= ANY(ARRAY(…))` keeps every lookup an index scan per key, as with the keys passed in before.
 */
export async function loadDecideBatch(db: Queryable, statementId: string, limit: number): Promise<DecideBatch> {
  const res = await db.query<Row>({
    text: `WITH batch AS MATERIALIZED (
             SELECT id, line_no, bank_reference, amount_minor, currency, direction, entry_status, reversal, references_found
               FROM bank_lines WHERE statement_id = $1 AND outcome IS NULL ORDER BY line_no LIMIT $2
           ),
           refs AS MATERIALIZED (SELECT ARRAY(SELECT DISTINCT unnest(references_found) FROM batch) AS r),
           tmp AS MATERIALIZED (
             SELECT id, reference, amount_minor, currency, status, settled_reason FROM temporary_payments
              WHERE reference = ANY((SELECT r FROM refs)::text[])
           ),
           pay AS MATERIALIZED (
             SELECT id, reference, amount_minor, currency, status, adapter FROM payments
              WHERE status = 'pending' AND reference = ANY((SELECT r FROM refs)::text[])
           )
           SELECT
             (SELECT json_agg(json_build_array(id, bank_reference, amount_minor::text, currency, direction, entry_status, reversal, references_found) ORDER BY line_no)
                FROM batch) AS lines,
             (SELECT json_agg(json_build_array(id, reference, amount_minor::text, currency, status, settled_reason)) FROM tmp) AS temporaries,
             (SELECT json_agg(json_build_array(id, reference, amount_minor::text, currency, status, adapter)) FROM pay) AS payments,
             (SELECT json_agg(DISTINCT l.bank_reference || '|' || l.currency || '|' || l.amount_minor) FROM bank_lines l
               WHERE l.bank_reference = ANY(ARRAY(SELECT bank_reference FROM batch WHERE bank_reference IS NOT NULL))
                 AND l.statement_id <> $1 AND l.outcome = ANY($3::text[])) AS seen,
             (SELECT json_agg(CASE WHEN l.temporary_payment_id IS NOT NULL THEN 'temporary:' || l.temporary_payment_id ELSE 'payment:' || l.payment_id END)
                FROM bank_lines l
               WHERE l.outcome = 'matched'
                 AND (l.temporary_payment_id = ANY(ARRAY(SELECT id FROM tmp)) OR l.payment_id = ANY(ARRAY(SELECT id FROM pay)))) AS matched`,
    values: [statementId, limit, BANK_KEY_SEEN_OUTCOMES],
  });
  const row = res.rows[0];
  return {
    lines: (row?.lines ?? []).map(([id, bankKey, amount, currency, direction, entryStatus, reversal, references]) => ({
      id,
      bankKey,
      amountMinor: BigInt(amount),
      currency,
      direction,
      entryStatus,
      reversal,
      references,
    })),
    temporaries: (row?.temporaries ?? []).map(([id, reference, amount, currency, status, settledReason]) => ({ id, reference, amountMinor: BigInt(amount), currency, status, settledReason })),
    payments: (row?.payments ?? []).map(([id, reference, amount, currency, status, adapter]) => ({ id, reference, amountMinor: BigInt(amount), currency, status, adapter })),
    seenBankKeys: new Set(row?.seen ?? []),
    matchedTargets: new Set(row?.matched ?? []),
  };
}
