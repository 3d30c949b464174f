import { relayCallbacks } from './callbacks.js';
import type { RelayDeps } from './deps.js';
import { relayStatementWork } from './statements.js';

export { deliverCallback, type DeliveryResult } from './callbacks.js';
export type { RelayDeps } from './deps.js';

/** The running relay: stop() waits for the tick in progress; nudge() runs a tick now (or right after the one running). */
export interface Relay {
  stop(): Promise<void>;
  nudge(): void;
}

/**
 * The relay: what was journaled in Postgres but could not reach Temporal (it was down, or the
 * dispatcher's backlog was full) is delivered once it can be — accepted callbacks, statement
 * matches whose workflow was never told, stored statements whose import never started. Runs in
 * every API process, the one that journals; a double delivery is harmless (a workflow acts on the
 * first outcome, a start is keyed by its business id). One tick at a time, every RELAY_INTERVAL_MS
 * and whenever nudged (the dispatcher's backlog cleared after overflowing here).
 */
export function startRelay(deps: RelayDeps): Relay {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const tick = async () => {
    // A tick may take several pages of callbacks, but no longer than an interval (the next tick
    // carries on), and stops between rows once stop() is called.
    const bounds = { deadline: Date.now() + deps.config.RELAY_INTERVAL_MS, stopped: () => stopped };
    if (!(await relayCallbacks(deps, bounds)) || stopped) return;
    // The same outage leaves statement work behind too (older than a few signal timeouts).
    await relayStatementWork(deps, new Date(Date.now() - 5 * deps.config.CALLBACK_SIGNAL_TIMEOUT_MS));
  };
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = tick()
      .catch((err: unknown) => deps.log.error({ err }, 'relay tick failed'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const timer = setInterval(() => {
    if (!running) run();
  }, deps.config.RELAY_INTERVAL_MS);
  return {
    nudge: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      // A nudge during the last tick may have started another: wait for whichever is running.
      while (running) await running;
    },
  };
}
