import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { LEDGER_WRITES } from './activity-options.js';
import type { StatementImportInput, StatementImportResult } from './statement-import-messages.js';

export * from './statement-import-messages.js';

const DECIDE_BATCH = 1000;
const SIGNAL_BATCH = 500;

// Ledger writes, in batches of a thousand lines: more time per try.
const { decideStatementLines, signalMatchedLines, completeStatement } = proxyActivities<ReturnType<typeof createActivities>>({
  ...LEDGER_WRITES,
  startToCloseTimeout: '2 minutes',
});

/**
 * One workflow per imported file (`bank-statement:<sha256>`): decides every line in batches, then
 * tells each matched temporary payment or bank-transfer payment. Keyed by the file's hash, so the
 * same file uploaded twice is one import.
 */
export async function statementImportWorkflow(input: StatementImportInput): Promise<StatementImportResult> {
  let decided = 0;
  let matched = 0;
  for (;;) {
    const r = await decideStatementLines({ statementId: input.statementId, limit: DECIDE_BATCH });
    if (r.decided === 0) break;
    decided += r.decided;
    matched += r.matched;
  }
  for (;;) {
    const r = await signalMatchedLines({ statementId: input.statementId, limit: SIGNAL_BATCH });
    if (r.signaled === 0) break;
  }
  await completeStatement({ statementId: input.statementId });
  return { statementId: input.statementId, decided, matched };
}
