import type { StoredSignal } from '../relay/delivery.js';
import type { InboundOutcome } from './inbound-requests.js';
import type { Queryable } from './pool.js';

/** The journal channel of terminal-network requests (inbound_requests.channel). */
export const TERMINAL_CHANNEL = 'terminal';

/**
 * Marks a journaled pay 'accepted' for the payment it made, with the success signal the
 * dispatcher (and, should it fail, the relay) delivers to `payment:<id>` — the same columns a
 * gateway callback's row carries (src/db/callback-journal.ts), so the relay needs nothing new.
 * Runs in the pay's own transaction: the row is accepted exactly when the payment exists.
 */
export async function acceptTerminalPay(db: Queryable, journalId: bigint, paymentId: string, signal: StoredSignal, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests
              SET outcome = 'accepted', payment_id = $2, target_kind = 'payment', target_id = $2, signal = $3::jsonb,
                  outcome_detail = $4, decided_at = now()
            WHERE id = $1::bigint AND outcome = 'received'`,
    values: [journalId.toString(), paymentId, JSON.stringify(signal), detail],
  });
}

/** Records how a journaled terminal request was answered (any outcome but 'accepted'). */
export async function decideTerminalRequest(db: Queryable, journalId: bigint, outcome: Exclude<InboundOutcome, 'accepted'>, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests SET outcome = $2, outcome_detail = $3, decided_at = now() WHERE id = $1::bigint AND outcome = 'received'`,
    values: [journalId.toString(), outcome, detail.slice(0, 500)],
  });
}
