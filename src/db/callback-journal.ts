import type { GatewayMode } from '../gateways/settings.js';
import { type NewInboundRequest, storableRequest } from './inbound-requests.js';
import type { Queryable } from './pool.js';

/** A callback whose signature and shape were checked, journaled with what it asks for. */
export interface VerifiedCallback extends NewInboundRequest {
  eventId: string;
  paymentId: string;
  /** Whose secret signed it; only a payment of that gateway and mode may take it. */
  signedMode: GatewayMode;
  /** What must reach the payment workflow, kept for the relay. */
  signal: unknown;
}

export type CallbackJournalEntry =
  /** Accepted (first delivery) or duplicate (its message id was already acted on). */
  | { id: bigint; outcome: 'accepted' | 'duplicate' }
  /** Left 'received': no payment of this gateway and mode; the caller records why (rejectInbound). */
  | { id: bigint; outcome: 'received'; payment: { gateway: string; mode: GatewayMode } | undefined };

const ONCE_INDEX = 'inbound_requests_once_idx';

/**
 * Journals a verified callback and decides it in the same INSERT — one round trip, committed
 * before anything acts on it: 'accepted' with its signal when the payment exists for this gateway
 * and mode and the message id is new; 'duplicate' when the message was already acted on
 * (inbound_requests_once_idx); else 'received' with the
 * payment's gateway and mode, for the caller's refusal. Two copies of one message racing each
 * other both see no earlier row; the unique index stops the second, which is retried and then
 * finds the first: a duplicate, never two acceptances.
 */
export async function journalCallback(db: Queryable, c: VerifiedCallback): Promise<CallbackJournalEntry> {
  try {
    return await insertDecided(db, c);
  } catch (err) {
    if ((err as { code?: unknown; constraint?: unknown }).code === '23505' && (err as { constraint?: unknown }).constraint === ONCE_INDEX) return insertDecided(db, c);
    throw err;
  }
}

interface DecidedRow {
  id: bigint;
  outcome: 'accepted' | 'duplicate' | 'received';
  payment_gateway: string | null;
  payment_mode: GatewayMode | null;
}

async function insertDecided(db: Queryable, c: VerifiedCallback): Promise<CallbackJournalEntry> {
  const res = await db.query<DecidedRow>({
    text: `WITH payment AS (SELECT gateway, mode FROM payments WHERE id = $11),
                verdict AS (
                  SELECT CASE
                           WHEN payment.gateway IS DISTINCT FROM $2 OR payment.mode IS DISTINCT FROM $12 THEN 'received'
                           WHEN EXISTS (SELECT 1 FROM inbound_requests o
                                         WHERE o.channel = $1 AND o.source = $2 AND o.event_id = $10
                                           AND o.outcome IN ('accepted', 'delivered', 'late')) THEN 'duplicate'
                           ELSE 'accepted'
                         END AS outcome,
                         payment.gateway, payment.mode
                    FROM (VALUES (1)) AS one LEFT JOIN payment ON true),
                journaled AS (
                  INSERT INTO inbound_requests (channel, source, method, path, headers, body, body_truncated, source_ip, body_raw,
                                                outcome, event_id, payment_id, signal, outcome_detail, decided_at)
                  SELECT $1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, verdict.outcome,
                         CASE WHEN verdict.outcome <> 'received' THEN $10 END,
                         CASE WHEN verdict.outcome <> 'received' THEN $11 END,
                         CASE WHEN verdict.outcome = 'accepted' THEN $13::jsonb END,
                         CASE WHEN verdict.outcome = 'duplicate' THEN 'already received' END,
                         CASE WHEN verdict.outcome <> 'received' THEN now() END
                    FROM verdict
                  RETURNING id, outcome)
           SELECT journaled.id, journaled.outcome, verdict.gateway AS payment_gateway, verdict.mode AS payment_mode
             FROM journaled, verdict`,
    values: [...storableRequest(c), c.eventId, c.paymentId, c.signedMode, JSON.stringify(c.signal)],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO inbound_requests returned no row');
  if (row.outcome !== 'received') return { id: row.id, outcome: row.outcome };
  return { id: row.id, outcome: 'received', payment: row.payment_gateway && row.payment_mode ? { gateway: row.payment_gateway, mode: row.payment_mode } : undefined };
}
