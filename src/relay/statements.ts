import { markSignaled, noteSignalAttempt, stalledStatements, staleUnsignaledMatches } from '../db/bank-statements.js';
import { deliverMatch, OrphanTargetError } from '../temporal/bank-match.js';
import { startStatementImport } from '../temporal/start.js';
import type { RelayDeps } from './deps.js';

/**
 * Statement work a Temporal outage left behind, done once Temporal is back. `before`: only work
 * older than this, so a running import is not raced.
 */
export async function relayStatementWork(deps: RelayDeps, before: Date): Promise<void> {
  const timeoutMs = deps.config.CALLBACK_SIGNAL_TIMEOUT_MS;
  // Stored statements whose import never started (Temporal was away at upload).
  for (const statement of await stalledStatements(deps.pool, before, 10)) {
    if (statement.status === 'done') continue;
    await startStatementImport(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, statement, timeoutMs).catch(() => undefined);
  }
  // Statement matches whose workflow was never told (a hand match while Temporal was down, an
  // import whose worker died between deciding and signalling).
  for (const line of await staleUnsignaledMatches(deps.pool, before, 100)) {
    try {
      await markSignaled(deps.pool, [await deliverMatch({ ...deps, taskQueue: deps.config.TEMPORAL_TASK_QUEUE }, line, { timeoutMs })]);
      deps.log.info({ lineId: line.id }, 'relay told a matched statement line');
    } catch (err) {
      await noteSignalAttempt(deps.pool, line.id);
      // Orphans are set aside and the next line tried; Temporal away ends this tick.
      if (!(err instanceof OrphanTargetError)) return;
      deps.log.warn({ lineId: line.id, err: err.message }, 'matched line waits for its workflow');
    }
  }
}
