import { rateLimitBlock } from '../gateways/cidr.js';
import { journalInbound, type NewInboundRequest } from './inbound-requests.js';
import { type Db, inTransaction, type Queryable } from './pool.js';

/**
 * The top-up portal's journal (channel 'portal' of inbound_requests): every lookup a stranger
 * makes, and every payment it starts. The rate limit is counted in these rows, so it holds across
 * all API processes on one database, not per process.
 */
export const PORTAL_CHANNEL = 'portal';

/** 'duplicate': a start repeating an earlier one's key (src/api/portal/start-once.ts), answered with that start's payment. */
export type PortalOutcome = 'identified' | 'not_identified' | 'rejected_rate_limit' | 'rejected_malformed' | 'rejected_source' | 'started' | 'duplicate';

export interface RateLimit {
  lookups: number;
  windowMs: number;
}

/** What the portal journals: a lookup (what was typed), a start (a payment asked for). Each has its own limit. */
export type PortalSource = 'lookup' | 'start';

/**
 * Journals a lookup or a start, or refuses it when this address (an IPv6 one: its /64) made `lookups` requests of that
 * source within the window (rows refused by the limit do not count, so a refused caller is let in
 * again once its oldest counted request leaves the window; nor do repeated starts, which make no
 * payment and no workflow — a double-click or a reload must not use up a payer's starts). One block's requests are serialised
 * by an advisory lock on it for the length of the transaction, so two API processes cannot both
 * take the last one. Returns the journal row and, when refused, the seconds until the next is allowed.
 */
export async function journalPortalRequest(
  db: Db,
  source: PortalSource,
  r: Omit<NewInboundRequest, 'channel' | 'source'>,
  limit: RateLimit,
): Promise<{ id: bigint; retryAfterSeconds: number | null }> {
  return inTransaction(db, async (tx) => {
    const ip = r.sourceIp ?? null;
    // Counted per block, not per address: an IPv6 /64 is one subscriber (rateLimitBlock).
    const block = rateLimitBlock(ip ?? undefined) ?? null;
    await tx.query({ text: `SELECT pg_advisory_xact_lock(hashtextextended('tollgate portal ' || $2::text || ' ' || COALESCE($1::text, ''), 0))`, values: [block ?? ip, source] });
    const res = await tx.query<{ counted: number; retry_after: number | null }>({
      text: `SELECT count(*)::int AS counted,
                    ceil(EXTRACT(EPOCH FROM (min(received_at) + $2::float8 * interval '1 millisecond' - now())))::int AS retry_after
               FROM inbound_requests
              WHERE channel = 'portal' AND source = $3::text
                AND received_at > now() - $2::float8 * interval '1 millisecond'
                AND outcome NOT IN ('rejected_rate_limit', 'duplicate')
                AND CASE
                      WHEN $4::cidr IS NULL THEN source_ip IS NOT DISTINCT FROM $1::text
                      -- Only what looks like an address is cast (a zone id, fe80::1%eth0, is not inet).
                      WHEN source_ip ~ '^[0-9A-Fa-f:.]+$' THEN source_ip::inet <<= $4::cidr
                        OR (family($4::cidr) = 4 AND source_ip::inet = ('::ffff:' || host($4::cidr))::inet)
                      ELSE false
                    END`,
      values: [ip, limit.windowMs, source, block],
    });
    const { counted = 0, retry_after = null } = res.rows[0] ?? {};
    const over = counted >= limit.lookups;
    const request = { ...r, channel: PORTAL_CHANNEL, source };
    const id = over
      ? await journalInbound(tx, request, { outcome: 'rejected_rate_limit', detail: `${counted} ${source}s from this address within ${limit.windowMs} ms` })
      : await journalInbound(tx, request);
    return { id, retryAfterSeconds: over ? Math.max(1, retry_after ?? 1) : null };
  });
}

/** How a journaled portal request ended: whom it found (never shown to the payer) or which payment it started. */
export async function decidePortalRequest(
  db: Queryable,
  id: bigint,
  d: { outcome: PortalOutcome; detail: string; customerId?: string | undefined; paymentId?: string | undefined },
): Promise<void> {
  await db.query({
    text: `UPDATE inbound_requests
              SET outcome = $2, outcome_detail = $3, decided_at = now(), payment_id = $4,
                  target_kind = CASE WHEN $5::text IS NULL THEN NULL ELSE 'customer' END, target_id = $5::text
            WHERE id = $1::bigint`,
    values: [id.toString(), d.outcome, d.detail, d.paymentId ?? null, d.customerId ?? null],
  });
}
