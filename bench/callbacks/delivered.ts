import type pg from 'pg';

/**
 * Waits until no callback in the journal is left 'accepted' — every accepted one signalled and
 * marked 'delivered' or 'late' by the API's dispatcher after its answer — polling the relay's own
 * partial index (inbound_requests_relay_idx), so the poll costs Postgres next to nothing. Returns
 * when that was first seen (performance.now()).
 */
export async function untilNoneAccepted(pool: pg.Pool, timeoutMs: number, everyMs = 10): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM inbound_requests WHERE outcome = 'accepted'");
    const seen = performance.now();
    if (res.rows[0]?.n === 0) return seen;
    if (seen > deadline) throw new Error(`${res.rows[0]?.n} callbacks still accepted, not delivered, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
