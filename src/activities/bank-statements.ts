import type { Client } from '@temporalio/client';
import type pg from 'pg';
import {
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
import { findPendingByReferences } from '../db/payments.js';
import { inTransaction } from '../db/pool.js';
import { findTemporaryByReferences } from '../db/temporary-payments.js';
import { type Candidate, decideLine, takesBankMatch } from '../domain/statement-matching.js';
import { deliverMatch, OrphanTargetError } from '../temporal/bank-match.js';

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
