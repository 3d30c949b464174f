import type { GatewayOutcome } from '../domain/payment.js';
import type { Queryable } from './pool.js';

/** How a journaled inbound request ended. Mirrors the CHECK on inbound_requests.outcome. */
export type InboundOutcome =
  | 'received'
  | 'accepted'
  | 'delivered'
  | 'duplicate'
  | 'late'
  | 'imported'
  | 'rejected_signature'
  | 'rejected_malformed'
  | 'rejected_schema'
  | 'rejected_unknown_payment'
  | 'rejected_unknown_gateway'
  | 'rejected_too_large'
  | 'rejected_busy'
  /** Verified, but about something that is not Tollgate's: answered 200 so the sender stops retrying. */
  | 'ignored'
  | 'rejected_source'
  /** The top-up portal's (src/db/portal-journal.ts): a lookup's result, the rate limit, a started payment. */
  | 'identified'
  | 'not_identified'
  | 'rejected_rate_limit'
  | 'started'
  /** A rates fetch whose source did not answer (network error, timeout, non-2xx): nothing came to be read. */
  | 'unreachable';

export interface InboundRequestRow {
  id: bigint;
  channel: string;
  source: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  body_truncated: boolean;
  source_ip: string | null;
  received_at: Date;
  outcome: InboundOutcome;
  outcome_detail: string | null;
  payment_id: string | null;
  /** What a callback is for (payment, refund, charge_attempt); null in rows journaled before kinds existed. */
  target_kind: string | null;
  target_id: string | null;
  event_id: string | null;
  signal: unknown;
  decided_at: Date | null;
  delivered_at: Date | null;
  attempts: number;
}

export interface NewInboundRequest {
  channel: string;
  source: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The bytes as they arrived, when `body` is a decoded view of them (statement files). */
  raw?: Buffer | undefined;
  bodyTruncated: boolean;
  sourceIp: string | undefined;
}

/** Journals a request as it arrived. Commit this before acting on it. */
export async function journalInbound(db: Queryable, r: NewInboundRequest, decided?: { outcome: InboundOutcome; detail: string }): Promise<bigint> {
  // A request refused by checks that need no I/O (signature, shape, allowlist) is journaled with
  // its outcome in the same INSERT: one round trip, and the row is never seen undecided.
  const res = await db.query<{ id: bigint }>({
    name: 'journal-inbound',
    text: `INSERT INTO inbound_requests (channel, source, method, path, headers, body, body_truncated, source_ip, body_raw,
                                         outcome, outcome_detail, decided_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, COALESCE($10, 'received'), $11, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END)
           RETURNING id`,
    values: [...storableRequest(r), decided?.outcome ?? null, decided?.detail ?? null],
  });
  const row = res.rows[0];
  if (!row) throw new Error('INSERT INTO inbound_requests returned no row');
  return row.id;
}

/**
 * The first nine columns of a journal row ($1–$9: channel, source, method, path, headers, body,
 * body_truncated, source_ip, body_raw) as Postgres can store them.
 */
export function storableRequest(r: NewInboundRequest): unknown[] {
  // Postgres text holds no NUL: keep a readable copy in body and the exact bytes in body_raw, so
  // a request with one is journaled like any other rather than failing the INSERT.
  const hasNul = r.body.includes('\u0000');
  const raw = r.raw ?? (hasNul ? Buffer.from(r.body, 'utf8') : null);
  const body = hasNul ? r.body.replaceAll('\u0000', '\ufffd') : r.body;
  return [r.channel, r.source, r.method, r.path, JSON.stringify(sanitizeHeaders(r.headers)), body, r.bodyTruncated, r.sourceIp ?? null, raw];
}

/** Header values with NUL (jsonb cannot hold \u0000 either) made readable. */
function sanitizeHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replaceAll('\u0000', '\ufffd'), v.replaceAll('\u0000', '\ufffd')]));
}

/** Records why a journaled request was refused. */
export async function rejectInbound(db: Queryable, id: bigint, outcome: InboundOutcome, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests SET outcome = $2, outcome_detail = $3, decided_at = now() WHERE id = $1`,
    values: [id.toString(), outcome, detail],
  });
}

/**
 * Records that the accepted request reached its workflow ('delivered') or that it had closed
 * ('late'). Returns false when the row had already left 'accepted' (another delivery marked it).
 */
export async function markDelivered(db: Queryable, id: bigint, outcome: 'delivered' | 'late', detail?: string): Promise<boolean> {
  const res = await db.query({
    text: `UPDATE inbound_requests SET outcome = $2, outcome_detail = COALESCE($3, outcome_detail),
                  delivered_at = now(), attempts = attempts + 1
            WHERE id = $1 AND outcome = 'accepted'`,
    values: [id.toString(), outcome, detail ?? null],
  });
  return res.rowCount === 1;
}

/** markDelivered for many requests at once (src/relay/delivery-marks.ts batches them). */
export async function markManyDelivered(db: Queryable, ids: readonly bigint[]): Promise<void> {
  await db.query({
    name: 'mark-many-delivered',
    text: `UPDATE inbound_requests SET outcome = 'delivered', delivered_at = now(), attempts = attempts + 1
            WHERE id = ANY($1::bigint[]) AND outcome = 'accepted'`,
    values: [ids.map(String)],
  });
}

export async function noteDeliveryFailure(db: Queryable, id: bigint, detail: string): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests SET attempts = attempts + 1, outcome_detail = $2 WHERE id = $1 AND outcome = 'accepted'`,
    values: [id.toString(), detail],
  });
}

/**
 * Accepted requests not yet delivered, oldest first: those already tried (attempts > 0), and those
 * decided more than `abandonedAfterMs` ago by Postgres's clock (the one that wrote decided_at, so
 * the API hosts' clocks do not matter), e.g. the API process died between accepting and signalling.
 */
/**
 * Keyset-paged by id (`afterId`), so rows a tick skipped or could not move are not read again that
 * tick. `abandonedAfterMs` is float8 in SQL: dispatchBoundMs grows with MAX_PENDING × the signal
 * timeout and passes 2^31 ms well inside the configurable range, where `::int` fails the query.
 */
export async function listUndelivered(db: Queryable, abandonedAfterMs: number, limit: number, afterId = 0n): Promise<InboundRequestRow[]> {
  const res = await db.query<InboundRequestRow>({
    text: `SELECT * FROM inbound_requests
            WHERE outcome = 'accepted' AND id > $3::bigint
              AND (attempts > 0 OR decided_at < now() - $1::float8 * interval '1 millisecond')
            ORDER BY id LIMIT $2`,
    values: [abandonedAfterMs, limit, afterId.toString()],
  });
  return res.rows;
}

export async function findInbound(db: Queryable, id: bigint): Promise<InboundRequestRow | undefined> {
  const res = await db.query<InboundRequestRow>({ text: 'SELECT * FROM inbound_requests WHERE id = $1', values: [id.toString()] });
  return res.rows[0];
}

/** The journal for operators, newest first, keyset-paged by id. */
export async function listInbound(
  db: Queryable,
  f: { channel: string; source?: string | undefined; outcome?: string | undefined; from?: Date | undefined; to?: Date | undefined; beforeId?: bigint | undefined; limit: number },
): Promise<InboundRequestRow[]> {
  const res = await db.query<InboundRequestRow>({
    text: `SELECT id, channel, source, method, path, headers, body, body_truncated, source_ip, received_at, outcome,
                  outcome_detail, payment_id, target_kind, target_id, event_id, signal, decided_at, delivered_at, attempts
             FROM inbound_requests
            WHERE channel = $1
              AND ($2::text IS NULL OR source = $2::text)
              AND ($3::text IS NULL OR outcome = $3::text)
              AND ($4::timestamptz IS NULL OR received_at >= $4::timestamptz)
              AND ($5::timestamptz IS NULL OR received_at < $5::timestamptz)
              AND ($6::bigint IS NULL OR id < $6::bigint)
            ORDER BY id DESC LIMIT $7`,
    values: [f.channel, f.source ?? null, f.outcome ?? null, f.from ?? null, f.to ?? null, f.beforeId?.toString() ?? null, f.limit],
  });
  return res.rows;
}

/**
 * A success callback for this payment that was journaled (accepted) before its deadline but not
 * yet delivered: the payer paid in time and only the signal is on its way (the dispatcher's queue,
 * or the relay while Temporal was away). The expiry takes it instead of expiring the payment, so a
 * timely payment is never treated as a late one. Rows written before kinds existed keep the
 * outcome itself as their signal. The oldest such row wins, as the workflow takes the first.
 * A terminal's accepted pay (src/terminals/pay.ts) is such a success too.
 */
export async function undeliveredTimelySuccess(db: Queryable, paymentId: string, deadline: Date): Promise<{ journalId: bigint; outcome: GatewayOutcome } | undefined> {
  const res = await db.query<{ id: bigint; outcome: GatewayOutcome }>({
    text: `SELECT id, COALESCE(signal->'outcome', signal) AS outcome FROM inbound_requests
            WHERE channel IN ('callback', 'terminal') AND payment_id = $1 AND outcome = 'accepted' AND received_at <= $2
              AND COALESCE(signal->'outcome', signal)->>'status' = 'succeeded'
            ORDER BY id LIMIT 1`,
    values: [paymentId, deadline],
  });
  const row = res.rows[0];
  return row ? { journalId: row.id, outcome: row.outcome } : undefined;
}
