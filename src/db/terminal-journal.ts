import type { StoredSignal } from '../relay/delivery.js';
import type { InboundOutcome } from './inbound-requests.js';
import type { Queryable } from './pool.js';

/** The journal channel of terminal-network requests (inbound_requests.channel). */
export const TERMINAL_CHANNEL = 'terminal';

/**
 * Marks a journaled pay for the payment it made. With the success signal the dispatcher (and,
 * should it fail, the relay) delivers to `payment:<id>`, the row is 'accepted' — the same columns
 * a gateway callback's row carries (src/db/callback-journal.ts), so the relay needs nothing new.
 * Without one (a payment the pay completed itself, src/terminals/pay.ts) it is 'delivered' at once.
 * Runs in the pay's own transaction: the row is marked exactly when the payment exists.
 */
export async function acceptTerminalPay(db: Queryable, journalId: bigint, paymentId: string, signal: StoredSignal | null, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests
              SET outcome = CASE WHEN $3::jsonb IS NULL THEN 'delivered' ELSE 'accepted' END,
                  payment_id = $2, target_kind = 'payment', target_id = $2, signal = $3::jsonb,
                  outcome_detail = $4, decided_at = now(),
                  delivered_at = CASE WHEN $3::jsonb IS NULL THEN now() END
            WHERE id = $1::bigint AND outcome = 'received'`,
    values: [journalId.toString(), paymentId, signal === null ? null : JSON.stringify(signal), detail],
  });
}

/** Records how a journaled terminal request was answered (any outcome but 'accepted'). */
export async function decideTerminalRequest(db: Queryable, journalId: bigint, outcome: Exclude<InboundOutcome, 'accepted'>, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests SET outcome = $2, outcome_detail = $3, decided_at = now() WHERE id = $1::bigint AND outcome = 'received'`,
    values: [journalId.toString(), outcome, detail.slice(0, 500)],
  });
}
