import type { Client } from '@temporalio/client';
import type pg from 'pg';
import {
  markSignaled,
  markStatementDone,
  noteSignalAttempt,
  recordDecisions,
  statementOutcomeCounts,
  unsignaledMatches,
} from '../db/bank-statements.js';
import { appendEvent } from '../db/events.js';
import { inTransaction } from '../db/pool.js';
import { decideBatch, loadUndecidedLines } from '../db/statement-decide-batch.js';
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
    /**
     * Decides the next `limit` undecided lines. An upload decides its lines as it stores them
     * (import-file.ts), so this finds none for a file imported since; it decides what was stored
     * undecided before, with the same recipe (decideBatch).
     */
    async decideStatementLines(input: { statementId: string; limit: number }): Promise<{ decided: number; matched: number }> {
      const decisions = await inTransaction(deps.pool, async (tx) => {
        const lines = await loadUndecidedLines(tx, input.statementId, input.limit);
        if (lines.length === 0) return [];
        const decided = await decideBatch(tx, input.statementId, lines);
        await recordDecisions(tx, decided, 'import');
        return decided;
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
