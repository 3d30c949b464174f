import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { type BankLineRow, demoteMatch } from '../db/bank-statements.js';
import { matchTargetVerdict } from '../db/match-targets.js';
import { findTemporaryPayment } from '../db/temporary-payments.js';
import { reviveTemporaryPayment } from './revive-temporary.js';
import { tellBankMatch } from './signals.js';

export interface BankMatchDeps {
  pool: pg.Pool;
  temporal: Client;
  /** Where a temporary payment's workflow is started again when a line pays it after its expiry. */
  taskQueue: string;
}

/** A matched line whose target is open but whose workflow is not running (not started yet, or terminated). */
export class OrphanTargetError extends Error {
  override name = 'OrphanTargetError';
}

/**
 * Tells a matched line's workflow and returns the line's id once it needs no more telling: the one
 * way a match reaches Temporal, for the import's activity, a hand match and the relay. The workflow
 * may have ended: an expired target is started again to take the line (bank_confirmed); fine if
 * this line is what ended it (a retry), a duplicate if the target closed some other way; a target
 * still open whose workflow is not running yet is retried (throws OrphanTargetError). `timeoutMs`
 * bounds the wait on Temporal for callers that answer a person.
 */
export async function deliverMatch(deps: BankMatchDeps, line: BankLineRow, opts: { timeoutMs?: number } = {}): Promise<string> {
  if (opts.timeoutMs !== undefined) {
    const { timeoutMs: _bounded, ...rest } = opts;
    return deps.temporal.connection.withDeadline(Date.now() + opts.timeoutMs, () => deliverMatch(deps, line, rest));
  }
  const closed = await tellBankMatch(deps.temporal, line);
  if (!closed) return line.id;
  if (line.temporary_payment_id) {
    // Paid after its expiry ended the workflow: a new run in the expired state takes the line.
    const t = await findTemporaryPayment(deps.pool, line.temporary_payment_id);
    if (t?.status === 'settled' && t.settled_reason === 'expired') {
      await reviveTemporaryPayment(deps.temporal, deps.taskQueue, t, { lineId: line.id });
      return line.id;
    }
  }
  const verdict = await matchTargetVerdict(deps.pool, line);
  if (verdict === 'open') throw new OrphanTargetError(`${closed}, yet its target is still open; tried again later`);
  if (verdict === 'closed_by_other') await demoteMatch(deps.pool, line.id, closed);
  return line.id;
}
