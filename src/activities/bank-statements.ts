import type { Client } from '@temporalio/client';
import type pg from 'pg';
import {
  lockMatchTargets,
  markSignaled,
  markStatementDone,
  noteSignalAttempt,
  recordDecisions,
  statementOutcomeCounts,
  unsignaledMatches,
} from '../db/bank-statements.js';
import { appendEvent } from '../db/events.js';
import { inTransaction } from '../db/pool.js';
import { loadDecideBatch } from '../db/statement-decide-batch.js';
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
      const batch = await loadDecideBatch(deps.pool, input.statementId, input.limit);
      if (batch.lines.length === 0) return { decided: 0, matched: 0 };
      const byReference = new Map<string, Candidate[]>();
      const add = (c: Candidate) => byReference.set(c.reference, [...(byReference.get(c.reference) ?? []), c]);
      // Kept even when settled by the bank: the line is then a duplicate, not "not found".
      for (const t of batch.temporaries) add({ kind: 'temporary', ...t });
      for (const p of batch.payments) {
        const c: Candidate = { kind: 'payment', ...p };
        if (takesBankMatch(c)) add(c);
      }
      const ctx = { byReference, seenBankKeys: batch.seenBankKeys, matchedTargets: batch.matchedTargets };
      // bankKey is the bank's own reference (the import appended a batch position).
      const decisions = batch.lines.map((l) => {
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

    /**
     * Marks the import done and, in the same transaction and only the first time, appends
     * `bank_statement.imported` with how its lines ended — the admin's statement_unmatched e-mail
     * and the billing system read it. Lines paired by hand later do not change this event.
     */
    async completeStatement(input: { statementId: string }): Promise<void> {
      await inTransaction(deps.pool, async (tx) => {
        const done = await markStatementDone(tx, input.statementId);
        if (!done) return;
        const counts = await statementOutcomeCounts(tx, done.id);
        await appendEvent(tx, {
          type: 'bank_statement.imported',
          aggregateType: 'bank_statement',
          aggregateId: done.id,
          payload: {
            statement_id: done.id,
            format: done.format,
            file_name: done.file_name,
            lines: done.line_count,
            outcomes: {
              matched: counts.matched ?? 0,
              amount_mismatch: counts.amount_mismatch ?? 0,
              no_reference: counts.no_reference ?? 0,
              not_found: counts.not_found ?? 0,
              duplicate: counts.duplicate ?? 0,
              ignored: counts.ignored ?? 0,
            },
          },
        });
      });
    },
  };
}
