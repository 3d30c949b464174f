import { workflowInfo } from '@temporalio/workflow';

/**
 * The patch ids of the subscription workflow: each guards a change of its commands, so runs
 * recorded before the change replay their old path (test/workflow/replay.test.ts).
 */
/** Patch id: the card stops its subscription at its expiry, not at the next charge (issue 8). */
export const CARD_STOPS_AT_EXPIRY = 'card-stops-at-expiry';
/** Patch id: a stop that arrives while the amount hook is asked waits for the round to end. */
export const STOP_WAITS_FOR_AMOUNT_HOOK = 'stop-waits-for-amount-hook';
/**
 * Patch id (issue 10 §3): fewer server round trips per charge. A success carries the next
 * period's state into the charge activity's own transaction (stateAfterSuccess); every other state
 * write is a local activity (a Postgres write needs no task-queue hop); and a run continues as new
 * when its history is long (RUN_HISTORY_EVENTS, or the server's continueAsNewSuggested) instead of
 * after every charged period.
 */
export const FEWER_ROUND_TRIPS = 'fewer-round-trips-per-charge';
/**
 * About 14 periods of a plain subscription (~14 events each). A worker that no longer holds the
 * workflow in its cache — after a month's sleep, the usual case — replays the run's history before
 * it charges, so the bound keeps that replay short while a continue-as-new is paid once per bound
 * rather than once per period.
 */
const RUN_HISTORY_EVENTS = 200;

export function runIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= RUN_HISTORY_EVENTS;
}
