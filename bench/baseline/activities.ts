import { activityInfo } from '@temporalio/activity';

/** Set by bench:billing: each activity reports when it ended on stdout, as Tollgate's ledger records its charge. */
const REPORT_DONE = process.env.BASELINE_REPORT_DONE === '1';

export const baselineActivities = {
  async noop(): Promise<void> {
    // Nothing: the baseline measures Temporal's own cost of a timer and an activity. Its end is
    // the moment bench:billing counts (Tollgate's counterpart: the charge's row committed), read
    // from the worker's stdout rather than polled from the server's visibility store, which
    // would load the very server being measured.
    if (REPORT_DONE) process.stdout.write(`done ${activityInfo().workflowExecution?.workflowId ?? activityInfo().activityId} ${Date.now()}\n`);
  },
};
