import { formatDecimal } from './money.js';
import type { PaymentStatus } from './payment.js';

/**
 * How one bank-statement line is decided, and the rules around it stated once: which outcomes a
 * line ends with (the SQL CHECK on bank_lines.outcome lists the same), which of them a person may
 * overrule, and which targets still take a bank match. Pure: the caller loads the candidates for a
 * batch of lines in a few queries, so deciding a line costs the same at 1,000 or 50,000 open payments.
 */
export const LINE_OUTCOMES = ['matched', 'amount_mismatch', 'no_reference', 'not_found', 'duplicate', 'ignored'] as const;
export type LineOutcome = (typeof LINE_OUTCOMES)[number];

/**
 * Outcomes a person may overrule by pairing the line by hand. A duplicate may be a genuine second
 * transfer; matched and ignored (debits, reversals, pending entries) lines are final.
 */
export const REPAIRABLE_OUTCOMES = ['amount_mismatch', 'no_reference', 'not_found', 'duplicate'] as const satisfies readonly LineOutcome[];
export type RepairableOutcome = (typeof REPAIRABLE_OUTCOMES)[number];

export function isRepairable(outcome: LineOutcome | null): outcome is RepairableOutcome {
  return (REPAIRABLE_OUTCOMES as readonly string[]).includes(outcome ?? '');
}

/**
 * Outcomes of a booked credit that was really taken in: its bank reference, seen again in another
 * file, makes that line a duplicate. Ignored lines (a pending entry later booked) and duplicates
 * themselves do not count.
 */
export const BANK_KEY_SEEN_OUTCOMES = ['matched', 'amount_mismatch', 'no_reference', 'not_found'] as const satisfies readonly LineOutcome[];

/** How a temporary payment was settled, when it was (the SQL CHECK on temporary_payments.settled_reason lists the same). */
export const SETTLED_REASONS = ['bank', 'manual', 'expired'] as const;
export type SettledReason = (typeof SETTLED_REASONS)[number];

/**
 * Settlements a bank line still confirms: money the bank reports outranks a person's or the
 * expiry's settlement; a settlement by the bank is final (reopen it to pair another line).
 */
export const BANK_CONFIRMABLE_SETTLEMENTS = ['manual', 'expired'] as const satisfies readonly SettledReason[];

/** What a bank line can settle, with just the facts the rule needs. */
export type MatchTarget =
  | { kind: 'temporary'; status: 'open' | 'settled'; settledReason: SettledReason | null }
  | { kind: 'payment'; status: PaymentStatus; adapter: string };

/**
 * Whether this target still takes a bank match: a temporary payment that is open or settled in a
 * way the bank confirms; a one-time payment only while it is a pending bank transfer.
 */
export function takesBankMatch(target: MatchTarget): boolean {
  if (target.kind === 'payment') return target.status === 'pending' && target.adapter === 'bank_transfer';
  return target.status === 'open' || (BANK_CONFIRMABLE_SETTLEMENTS as readonly string[]).includes(target.settledReason ?? '');
}

export interface LineFacts {
  id: string;
  bankKey: string | null;
  amountMinor: bigint;
  currency: string;
  direction: 'credit' | 'debit';
  entryStatus: 'booked' | 'pending' | 'other';
  reversal: boolean;
  references: readonly string[];
}

interface CandidateFacts {
  id: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
}

export type TemporaryCandidate = CandidateFacts & Extract<MatchTarget, { kind: 'temporary' }>;
export type PaymentCandidate = CandidateFacts & Extract<MatchTarget, { kind: 'payment' }>;

export type Candidate = TemporaryCandidate | PaymentCandidate;

export interface Decision {
  outcome: LineOutcome;
  detail: string | null;
  reference: string | null;
  target: Candidate | null;
}

export interface MatchContext {
  /** Candidates by reference: open or settled temporary payments, pending bank-transfer payments. */
  byReference: ReadonlyMap<string, readonly Candidate[]>;
  /** bankKey|currency|amount of lines already imported from other files. */
  seenBankKeys: ReadonlySet<string>;
  /** Targets already matched (earlier files, or earlier lines of this batch): one line settles a target once. */
  matchedTargets: Set<string>;
}

const money = (minor: bigint, currency: string) => `${formatDecimal({ minor, currency })} ${currency}`;
const targetKey = (c: Candidate) => `${c.kind}:${c.id}`;
const alreadyWhat = (c: Candidate) => (c.kind === 'temporary' ? `${c.status} (${c.settledReason ?? 'unknown'})` : c.status === 'succeeded' ? 'paid' : c.status);

export function decideLine(line: LineFacts, ctx: MatchContext): Decision {
  const none = (outcome: LineOutcome, detail: string | null, reference: string | null = null): Decision => ({ outcome, detail, reference, target: null });
  if (line.direction !== 'credit') return none('ignored', 'a debit is not an incoming payment');
  if (line.reversal) return none('ignored', 'a reversal is not an incoming payment');
  if (line.entryStatus !== 'booked') return none('ignored', `the entry is ${line.entryStatus}, not booked`);
  if (line.bankKey !== null && ctx.seenBankKeys.has(`${line.bankKey}|${line.currency}|${line.amountMinor}`)) {
    return none('duplicate', `bank reference ${line.bankKey} was imported before`);
  }
  if (line.references.length === 0) return none('no_reference', 'no reference found in the line');

  let mismatch: Decision | undefined;
  let settled: Decision | undefined;
  for (const reference of line.references) {
    for (const c of ctx.byReference.get(reference) ?? []) {
      // An expired or hand-settled temporary payment still takes its line: the bank confirms that settlement.
      if (ctx.matchedTargets.has(targetKey(c)) || !takesBankMatch(c)) {
        const why = ctx.matchedTargets.has(targetKey(c)) ? 'already matched by another line' : `already ${alreadyWhat(c)}`;
        settled ??= { outcome: 'duplicate', detail: `${c.kind === 'temporary' ? 'temporary payment' : 'payment'} ${c.id} is ${why}`, reference, target: null };
        continue;
      }
      if (c.currency !== line.currency || c.amountMinor !== line.amountMinor) {
        mismatch ??= {
          outcome: 'amount_mismatch',
          detail: `the line brings ${money(line.amountMinor, line.currency)}, ${c.kind === 'temporary' ? 'temporary payment' : 'payment'} ${c.id} expects ${money(c.amountMinor, c.currency)}`,
          reference,
          target: null,
        };
        continue;
      }
      ctx.matchedTargets.add(targetKey(c));
      return { outcome: 'matched', detail: null, reference, target: c };
    }
  }
  return mismatch ?? settled ?? none('not_found', `nothing open carries ${line.references.join(', ')}`);
}
