import type { Queryable } from '../../src/db/pool.js';

/**
 * An event of a type the catalog does not know (a test's or a benchmark's own, so no other file's
 * endpoint or rule ever wants it), written as appendEvent writes rows but without its catalog check.
 * Returns its id.
 */
export async function rawEvent(db: Queryable, e: { type: string; aggregateType: string; aggregateId: string; payload: Record<string, unknown> }): Promise<bigint> {
  const res = await db.query<{ id: string }>({
    text: `INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING id::text`,
    values: [e.type, e.aggregateType, e.aggregateId, JSON.stringify(e.payload)],
  });
  const id = res.rows[0]?.id;
  if (!id) throw new Error('INSERT INTO events returned no row');
  return BigInt(id);
}
