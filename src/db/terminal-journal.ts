import type { InboundOutcome } from './inbound-requests.js';
import type { Queryable } from './pool.js';

/** The journal channel of terminal-network requests (inbound_requests.channel). */
export const TERMINAL_CHANNEL = 'terminal';

/** Records how a journaled terminal request was answered (any outcome but 'accepted'). */
export async function decideTerminalRequest(db: Queryable, journalId: bigint, outcome: Exclude<InboundOutcome, 'accepted'>, detail: string): Promise<void> {
  await db.query({
    name: 'decide-terminal-request',
    text: `UPDATE inbound_requests SET outcome = $2, outcome_detail = $3, decided_at = now() WHERE id = $1::bigint AND outcome = 'received'`,
    values: [journalId.toString(), outcome, detail.slice(0, 500)],
  });
}
