import { deliverMatch, OrphanTargetError } from '../../activities/bank-statements.js';
import { markSignaled, noteSignalAttempt, stalledStatements, staleUnsignaledMatches } from '../../db/bank-statements.js';
import type { AppDeps } from '../env.js';
import { ensureImportRunning } from './import-file.js';

/**
 * Statement work a Temporal outage left behind, done by the relay (src/api/callbacks/delivery.ts)
 * once Temporal is back. `before`: only work older than this, so a running import is not raced.
 */
export async function relayStatementWork(deps: Pick<AppDeps, 'pool' | 'temporal' | 'log' | 'config'>, before: Date): Promise<void> {
  // Stored statements whose import never started (Temporal was away at upload).
  for (const statement of await stalledStatements(deps.pool, before, 10)) {
    await ensureImportRunning(deps, statement).catch(() => undefined);
  }
  // Statement matches whose workflow was never told (a hand match while Temporal was down, an
  // import whose worker died between deciding and signalling).
  for (const line of await staleUnsignaledMatches(deps.pool, before, 100)) {
    const deadline = Date.now() + deps.config.CALLBACK_SIGNAL_TIMEOUT_MS;
    try {
      await markSignaled(deps.pool, [await deps.temporal.connection.withDeadline(deadline, () => deliverMatch({ ...deps, taskQueue: deps.config.TEMPORAL_TASK_QUEUE }, line))]);
      deps.log.info({ lineId: line.id }, 'relay told a matched statement line');
    } catch (err) {
      await noteSignalAttempt(deps.pool, line.id);
      // Orphans are set aside and the next line tried; Temporal away ends this tick.
      if (!(err instanceof OrphanTargetError)) return;
      deps.log.warn({ lineId: line.id, err: err.message }, 'matched line waits for its workflow');
    }
  }
}
