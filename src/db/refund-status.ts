import type { Queryable } from './pool.js';

/** A refund's status, for the callback relay (src/relay/callbacks.ts); undefined when there is no such refund. */
export async function findRefundStatus(db: Queryable, refundId: string): Promise<string | undefined> {
  const res = await db.query<{ status: string }>({ text: 'SELECT status FROM refunds WHERE id = $1', values: [refundId] });
  return res.rows[0]?.status;
}
