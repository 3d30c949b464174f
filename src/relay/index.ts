import { relayCallbacks } from './callbacks.js';
import type { RelayDeps } from './deps.js';
import { relayStatementWork } from './statements.js';

export { deliverCallback, type DeliveryResult } from './callbacks.js';
export type { RelayDeps } from './deps.js';

/**
 * The relay: what was journaled in Postgres but could not reach Temporal (it was down) is
 * delivered once it is back — accepted callbacks, statement matches whose workflow was never told,
 * stored statements whose import never started. Runs in every API process, the one that journals;
 * a double delivery is harmless (a workflow acts on the first outcome, a start is keyed by its
 * business id). One tick at a time; returns a stop that waits for the running tick.
 */
export function startRelay(deps: RelayDeps): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = async () => {
    // A tick may take several pages of callbacks, but no longer than an interval (the next tick
    // carries on), and stops between rows once stop() is called.
    const bounds = { deadline: Date.now() + deps.config.RELAY_INTERVAL_MS, stopped: () => stopped };
    if (!(await relayCallbacks(deps, bounds)) || stopped) return;
    // The same outage leaves statement work behind too (older than a few signal timeouts).
    await relayStatementWork(deps, new Date(Date.now() - 5 * deps.config.CALLBACK_SIGNAL_TIMEOUT_MS));
  };
  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => deps.log.error({ err }, 'relay tick failed'))
      .finally(() => {
        running = undefined;
      });
  }, deps.config.RELAY_INTERVAL_MS);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
