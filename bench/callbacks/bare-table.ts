import type { Queryable } from '../../src/db/pool.js';

/** Where the bare route writes: a copy of inbound_requests with its defaults, checks and indexes. */
export const BARE_TABLE = 'bench_bare_journal';

export async function createBareTable(db: Queryable): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS ${BARE_TABLE} (LIKE inbound_requests INCLUDING ALL)`);
}

export async function countBareRows(db: Queryable): Promise<number> {
  const res = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${BARE_TABLE}`);
  return res.rows[0]?.n ?? 0;
}
