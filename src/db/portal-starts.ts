import type { Queryable } from './pool.js';

/** A payment the top-up portal started, under the start key of its confirm page and gateway (migration 0029). */
export interface PortalStartRow {
  start_key: string;
  payment_id: string;
  customer_id: string;
  gateway: string;
  journal_id: bigint;
  created_at: Date;
}

/**
 * Claims a start key for the payment about to be inserted in the same transaction. A concurrent
 * start with the same key waits on the primary key until the first transaction ends: false when
 * the first committed (a repeat: the caller answers the stored start), true when this call owns
 * the key (it was free, or the first rolled back).
 */
export async function claimPortalStart(
  db: Queryable,
  s: { startKey: string; paymentId: string; customerId: string; gateway: string; journalId: bigint },
): Promise<boolean> {
  const res = await db.query({
    text: `INSERT INTO portal_starts (start_key, payment_id, customer_id, gateway, journal_id) VALUES ($1, $2, $3, $4, $5::bigint)
           ON CONFLICT (start_key) DO NOTHING`,
    values: [s.startKey, s.paymentId, s.customerId, s.gateway, s.journalId.toString()],
  });
  return res.rowCount === 1;
}

export async function findPortalStart(db: Queryable, startKey: string): Promise<PortalStartRow | undefined> {
  const res = await db.query<PortalStartRow>({
    text: 'SELECT start_key, payment_id, customer_id, gateway, journal_id, created_at FROM portal_starts WHERE start_key = $1',
    values: [startKey],
  });
  return res.rows[0];
}
