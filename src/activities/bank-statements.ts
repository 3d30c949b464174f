import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type pg from 'pg';
import {
  type BankLineRow,
  demoteMatch,
  lockMatchTargets,
  markSignaled,
  markStatementDone,
  matchedTargetKeys,
  noteSignalAttempt,
  recordDecisions,
  seenBankReferences,
  undecidedLines,
  unsignaledMatches,
} from '../db/bank-statements.js';
import { findPayment, findPendingByReferences } from '../db/payments.js';
import { inTransaction } from '../db/pool.js';
import { findTemporaryByReferences, findTemporaryPayment } from '../db/temporary-payments.js';
import type { GatewayOutcome } from '../domain/payment.js';
import { type Candidate, decideLine, takesBankMatch } from '../domain/statement-matching.js';
import { paymentWorkflowId, temporaryPaymentWorkflowId } from '../temporal/workflow-ids.js';
import { gatewayOutcomeSignal } from '../workflows/payment.js';
import { reviveTemporaryPayment } from '../temporal/revive-temporary.js';
import { bankMatchedSignal } from '../workflows/temporary-payment.js';

export interface StatementActivityDeps {
  pool: pg.Pool;
  /** To tell matched workflows; built once by the worker. */
  temporal: Client;
  /** Where a temporary payment's workflow is started again when a line pays it after its expiry. */
  taskQueue: string;
}

const SIGNAL_CONCURRENCY = 16;

/**
 * Statement import steps, each a batch so a 50,000-line file is a few dozen activities. Deciding
 * and signalling are separate: a decision is committed first, and a signal that fails is retried
 * from the `signaled_at IS NULL` rows, never lost.
 */
export function createStatementActivities(deps: StatementActivityDeps) {
  return {
    async decideStatementLines(input: { statementId: string; limit: number }): Promise<{ decided: number; matched: number }> {
      const lines = await undecidedLines(deps.pool, input.statementId, input.limit);
      if (lines.length === 0) return { decided: 0, matched: 0 };
      const references = [...new Set(lines.flatMap((l) => l.references_found))];
      const [temporaries, payments, seenBankKeys] = await Promise.all([
        findTemporaryByReferences(deps.pool, references),
        findPendingByReferences(deps.pool, references),
        seenBankReferences(deps.pool, input.statementId, lines.map((l) => l.bank_reference).filter((k): k is string => k !== null)),
      ]);
      const byReference = new Map<string, Candidate[]>();
      const add = (c: Candidate) => byReference.set(c.reference, [...(byReference.get(c.reference) ?? []), c]);
      for (const t of temporaries) {
        // Kept even when settled by the bank: the line is then a duplicate, not "not found".
        add({ kind: 'temporary', id: t.id, reference: t.reference, amountMinor: t.amount_minor, currency: t.currency, status: t.status, settledReason: t.settled_reason });
      }
      for (const p of payments) {
        const c: Candidate = { kind: 'payment', id: p.id, reference: p.reference, amountMinor: p.amount_minor, currency: p.currency, status: p.status, adapter: p.adapter };
        if (takesBankMatch(c)) add(c);
      }
      const matchedTargets = await matchedTargetKeys(deps.pool, temporaries.map((t) => t.id), payments.map((p) => p.id));
      const decisions = lines.map((l) => {
        const d = decideLine(
          {
            id: l.id,
            bankKey: l.bank_reference, // the bank's own reference (the import appended a batch position)
            amountMinor: l.amount_minor,
            currency: l.currency,
            direction: l.direction,
            entryStatus: l.entry_status,
            reversal: l.reversal,
            references: l.references_found,
          },
          { byReference, seenBankKeys, matchedTargets },
        );
        return {
          id: l.id,
          outcome: d.outcome,
          detail: d.detail,
          matchedReference: d.reference,
          temporaryPaymentId: d.target?.kind === 'temporary' ? d.target.id : null,
          paymentId: d.target?.kind === 'payment' ? d.target.id : null,
        };
      });
      await inTransaction(deps.pool, async (tx) => {
        const targets = (kind: 'temporaryPaymentId' | 'paymentId') => decisions.map((d) => d[kind]).filter((id): id is string => id !== null);
        const [temporaryIds, paymentIds] = [targets('temporaryPaymentId'), targets('paymentId')];
        const locked = await lockMatchTargets(tx, temporaryIds, paymentIds);
        if (locked.length !== temporaryIds.length + paymentIds.length || !locked.every(takesBankMatch)) {
          // Expired or settled a moment ago: decide this batch again from fresh candidates.
          throw new Error('a matched payment changed while the batch was decided; retrying');
        }
        await recordDecisions(tx, decisions, 'import');
      });
      return { decided: decisions.length, matched: decisions.filter((d) => d.outcome === 'matched').length };
    },

    /**
     * Tells the next batch of matched lines' workflows. Returns how many were told; a line whose
     * target's workflow is not running is set aside (the relay tries it again), so one orphan never
     * holds up the rest. Temporal being unreachable fails the activity, which retries.
     */
    async signalMatchedLines(input: { statementId: string; limit: number }): Promise<{ signaled: number }> {
      const lines = await unsignaledMatches(deps.pool, input.statementId, input.limit);
      let signaled = 0;
      for (let i = 0; i < lines.length; i += SIGNAL_CONCURRENCY) {
        const group = lines.slice(i, i + SIGNAL_CONCURRENCY);
        const told = await Promise.all(
          group.map(async (line) => {
            try {
              return await deliverMatch(deps, line);
            } catch (err) {
              if (!(err instanceof OrphanTargetError)) throw err;
              await noteSignalAttempt(deps.pool, line.id);
              return undefined;
            }
          }),
        );
        // Marked per group, so a retry after a failure re-signals only what was not told yet.
        const ids = told.filter((id): id is string => id !== undefined);
        await markSignaled(deps.pool, ids);
        signaled += ids.length;
      }
      return { signaled };
    },

    async completeStatement(input: { statementId: string }): Promise<void> {
      await markStatementDone(deps.pool, input.statementId);
    },
  };
}

/**
 * Tells a matched line's workflow and returns the line's id once it needs no more telling. The
 * workflow may have ended: an expired target is started again to take the line (bank_confirmed);
 * fine if this line is what ended it (a retry), a duplicate if the target closed some other way; a target still open whose workflow is not running yet is retried (throws).
 */
export async function deliverMatch(deps: StatementActivityDeps, line: BankLineRow): Promise<string> {
  const closed = await tellMatch(deps.temporal, line);
  if (!closed) return line.id;
  if (line.temporary_payment_id) {
    // Paid after its expiry ended the workflow: a new run in the expired state takes the line.
    const t = await findTemporaryPayment(deps.pool, line.temporary_payment_id);
    if (t?.status === 'settled' && t.settled_reason === 'expired') {
      await reviveTemporaryPayment(deps.temporal, deps.taskQueue, t, { lineId: line.id });
      return line.id;
    }
  }
  const verdict = await targetVerdict(deps.pool, line);
  if (verdict === 'open') throw new OrphanTargetError(`${closed}, yet its target is still open; tried again later`);
  if (verdict === 'closed_by_other') await demoteMatch(deps.pool, line.id, closed);
  return line.id;
}

/** A matched line whose target is open but whose workflow is not running (not started yet, or terminated). */
export class OrphanTargetError extends Error {
  override name = 'OrphanTargetError';
}

/** Whether a matched line's target was closed by this line, by something else, or is still open. */
async function targetVerdict(db: pg.Pool, line: BankLineRow): Promise<'closed_by_this_line' | 'closed_by_other' | 'open'> {
  if (line.temporary_payment_id) {
    const t = await findTemporaryPayment(db, line.temporary_payment_id);
    // An expired one is revived by deliverMatch before this is asked.
    if (!t || takesBankMatch({ kind: 'temporary', status: t.status, settledReason: t.settled_reason })) return t ? 'open' : 'closed_by_other';
    return t.bank_line_id === line.id ? 'closed_by_this_line' : 'closed_by_other';
  }
  const p = line.payment_id ? await findPayment(db, line.payment_id) : undefined;
  if (!p) return 'closed_by_other';
  if (takesBankMatch({ kind: 'payment', status: p.status, adapter: p.adapter })) return 'open';
  return p.status === 'succeeded' && p.gateway_transaction_id === line.id ? 'closed_by_this_line' : 'closed_by_other';
}

/**
 * Signals the matched workflow. Returns why the match cannot stand when the workflow had already
 * closed (the temporary payment expired a moment before); throws when Temporal is unreachable.
 */
export async function tellMatch(temporal: Client, line: BankLineRow): Promise<string | undefined> {
  try {
    if (line.temporary_payment_id) {
      await temporal.workflow.getHandle(temporaryPaymentWorkflowId(line.temporary_payment_id)).signal(bankMatchedSignal, { lineId: line.id });
    } else if (line.payment_id) {
      const outcome: GatewayOutcome = {
        status: 'succeeded',
        code: 'bank_statement',
        message: `bank statement line ${line.line_no}${line.bank_reference ? ` (bank reference ${line.bank_reference})` : ''}`,
        gatewayTransactionId: line.id,
      };
      await temporal.workflow.getHandle(paymentWorkflowId(line.payment_id)).signal(gatewayOutcomeSignal, outcome);
    }
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      return `${line.temporary_payment_id ? `temporary payment ${line.temporary_payment_id}` : `payment ${line.payment_id ?? ''}`} had closed before the match reached it`;
    }
    throw err;
  }
}
