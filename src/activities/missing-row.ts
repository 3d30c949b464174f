import { ApplicationFailure, Context } from '@temporalio/activity';

/**
 * Tries of an activity after which a row that is still missing is taken to be rolled back (about
 * 15 minutes with LEDGER_WRITES' backoff). The API starts a payment's or a refund's workflow
 * inside the transaction that writes its row; if that commit failed, the workflow would otherwise
 * retry for ever for a row that will never exist. Until then the row may only be uncommitted, and
 * a retry finds it. A database that is away fails the query itself and keeps being retried.
 */
export const MISSING_ROW_TRIES = 20;

/** The error for a missing row on this try: retryable while it may still commit, final after MISSING_ROW_TRIES. */
export function missingRow(what: { notYet: string; never: string; type: string }, attempt = activityAttempt()): Error {
  if (attempt >= MISSING_ROW_TRIES) return ApplicationFailure.nonRetryable(what.never, what.type);
  return new Error(what.notYet);
}

/** This activity's try number (1 outside an activity, e.g. in tests that call the functions directly). */
function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}
