import { formatDecimal } from './money.js';

/**
 * How one bank-statement line is decided. Pure: the caller loads the candidates for a batch of
 * lines in a few queries, so deciding a line costs the same at 1,000 or 50,000 open payments.
 */
export type LineOutcome = 'matched' | 'amount_mismatch' | 'no_reference' | 'not_found' | 'duplicate' | 'ignored';

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

export interface TemporaryCandidate {
  kind: 'temporary';
  id: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
  /** open, or settled with its reason. */
  state: 'open' | 'settled_manual' | 'settled_bank' | 'settled_expired';
}

export interface PaymentCandidate {
  kind: 'payment';
  id: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
}

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
      if (ctx.matchedTargets.has(targetKey(c)) || (c.kind === 'temporary' && c.state === 'settled_bank')) {
        const why = ctx.matchedTargets.has(targetKey(c)) ? 'already matched by another line' : `already ${c.kind === 'temporary' ? c.state.replace('_', ' (') + ')' : 'paid'}`;
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
