import { isUniqueViolation } from './unique-violation.js';
import type { GatewayMode } from '../gateways/settings.js';
import type { ResolvedTarget, StoredSignal, TargetKind, TargetLookup } from '../relay/delivery.js';
import { type NewInboundRequest, storableRequest } from './inbound-requests.js';
import type { Queryable } from './pool.js';

/** A callback whose signature and shape were checked, journaled with what it asks for. */
export interface VerifiedCallback extends NewInboundRequest {
  eventId: string;
  /** Which row it is for: a payment, a refund, a charge attempt, or whichever carries the gateway's intent id. */
  lookup: TargetLookup;
  /** Whose secret signed it; only a row of that gateway and mode may take it. */
  signedMode: GatewayMode;
  /** What must reach the workflow, kept for the relay. */
  signal: StoredSignal;
}

export type CallbackJournalEntry =
  /** Accepted (first delivery) or duplicate (its message id was already acted on), for the row it resolved to. */
  | { id: bigint; outcome: 'accepted' | 'duplicate'; target: ResolvedTarget }
  /** Left 'received': no row of this gateway and mode; the caller records why (rejectInbound). */
  | { id: bigint; outcome: 'received'; found: { gateway: string; mode: GatewayMode } | undefined };

const ONCE_INDEX = 'inbound_requests_once_idx';

/**
 * Journals a verified callback and decides it in the same INSERT — one round trip, committed
 * before anything acts on it: 'accepted' with its signal when its row exists for this gateway and
 * mode and the message id is new; 'duplicate' when the message was already acted on
 * (inbound_requests_once_idx); else 'received' with the row's gateway and mode, for the caller's
 * refusal. Two copies of one message racing each other both see no earlier row; the unique index
 * stops the second, which is retried and then finds the first: a duplicate, never two acceptances.
 */
export async function journalCallback(db: Queryable, c: VerifiedCallback): Promise<CallbackJournalEntry> {
  try {
    return await insertDecided(db, c);
  } catch (err) {
    if (isUniqueViolation(err, ONCE_INDEX)) return insertDecided(db, c);
    throw err;
  }
}

interface DecidedRow {
  id: bigint;
  outcome: 'accepted' | 'duplicate' | 'received';
  target_kind: TargetKind | null;
  target_id: string | null;
  found_gateway: string | null;
  found_mode: GatewayMode | null;
}

/**
 * The row a lookup names, with the gateway and mode it runs in: a refund runs in its own row's;
 * a charge attempt in its subscription's gateway and its own mode. By intent id only this
 * gateway's rows are searched ($2), payments first. A charge attempt id that is not a number finds
 * nothing (the CASE keeps the cast from failing).
 */
const TARGET = `
  SELECT 'payment'::text AS kind, p.id, p.gateway, p.mode FROM payments p WHERE $11 = 'payment' AND p.id = $14
  UNION ALL
  SELECT 'refund', r.id, r.gateway, r.mode FROM refunds r WHERE $11 = 'refund' AND r.id = $14
  UNION ALL
  SELECT 'charge_attempt', ca.id::text, s.gateway, ca.mode
    FROM charge_attempts ca JOIN subscriptions s ON s.id = ca.subscription_id
   WHERE $11 = 'charge_attempt' AND ca.id = (CASE WHEN $14 ~ '^[0-9]{1,18}$' THEN $14::bigint END)
  UNION ALL
  SELECT 'payment', p.id, p.gateway, p.mode FROM payments p WHERE $11 = 'intent' AND p.gateway = $2 AND p.gateway_intent_id = $14
  UNION ALL
  SELECT 'charge_attempt', ca.id::text, s.gateway, ca.mode
    FROM charge_attempts ca JOIN subscriptions s ON s.id = ca.subscription_id
   WHERE $11 = 'intent' AND s.gateway = $2 AND ca.gateway_intent_id = $14`;

async function insertDecided(db: Queryable, c: VerifiedCallback): Promise<CallbackJournalEntry> {
  const res = await db.query<DecidedRow>({
    name: 'journal-callback',
    text: `WITH target AS (${TARGET} LIMIT 1),
                verdict AS (
                  SELECT CASE
                           WHEN target.gateway IS DISTINCT FROM $2 OR target.mode IS DISTINCT FROM $12 THEN 'received'
                           WHEN EXISTS (SELECT 1 FROM inbound_requests o
                                         WHERE o.channel = $1 AND o.source = $2 AND o.event_id = $10
                                           AND o.outcome IN ('accepted', 'delivered', 'late')) THEN 'duplicate'
                           ELSE 'accepted'
                         END AS outcome,
                         target.kind, target.id, target.gateway, target.mode
                    FROM (VALUES (1)) AS one LEFT JOIN target ON true),
                journaled AS (
                  INSERT INTO inbound_requests (channel, source, method, path, headers, body, body_truncated, source_ip, body_raw,
                                                outcome, event_id, payment_id, target_kind, target_id, signal, outcome_detail, decided_at)
                  SELECT $1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, verdict.outcome,
                         CASE WHEN verdict.outcome <> 'received' THEN $10 END,
                         CASE WHEN verdict.outcome <> 'received' AND verdict.kind = 'payment' THEN verdict.id END,
                         CASE WHEN verdict.outcome <> 'received' THEN verdict.kind END,
                         CASE WHEN verdict.outcome <> 'received' THEN verdict.id END,
                         CASE WHEN verdict.outcome = 'accepted' THEN $13::jsonb END,
                         CASE WHEN verdict.outcome = 'duplicate' THEN 'already received' END,
                         CASE WHEN verdict.outcome <> 'received' THEN now() END
                    FROM verdict
                  RETURNING id, outcome, target_kind, target_id)
           SELECT journaled.id, journaled.outcome, journaled.target_kind, journaled.target_id,
                  verdict.gateway AS found_gateway, verdict.mode AS found_mode
             FROM journaled, verdict`,
    values: [...storableRequest(c), c.eventId, c.lookup.by, c.signedMode, JSON.stringify(c.signal), c.lookup.id],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO inbound_requests returned no row');
  if (row.outcome !== 'received') {
    if (!row.target_kind || !row.target_id) throw new Error(`journal row ${row.id} was decided without a target`);
    return { id: row.id, outcome: row.outcome, target: { kind: row.target_kind, id: row.target_id } };
  }
  return { id: row.id, outcome: 'received', found: row.found_gateway && row.found_mode ? { gateway: row.found_gateway, mode: row.found_mode } : undefined };
}
