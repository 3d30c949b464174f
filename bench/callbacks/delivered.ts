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

/** How many callbacks the journal holds as delivered (or late): the count a step's deliveries add to. */
export async function countDelivered(pool: pg.Pool): Promise<number> {
  const res = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM inbound_requests WHERE channel = 'callback' AND outcome IN ('delivered', 'late')");
  return res.rows[0]?.n ?? 0;
}

/**
 * Polls, from the moment a step starts and while its requests are still being sent, until the
 * journal holds `target` delivered callbacks; returns when that was first seen. It runs beside
 * the load rather than after it: autocannon resolves only at its next 1 s sampling tick, so a
 * poll started after it would see every delivery rounded up to that tick. `stop()` ends it early
 * (a step whose answers were not all 2xx never reaches its target).
 */
export function whenDelivered(pool: pg.Pool, target: number, everyMs = 10): { at: Promise<number | undefined>; stop: () => void } {
  let stopped = false;
  const at = (async () => {
    while (!stopped) {
      const n = await countDelivered(pool);
      const seen = performance.now();
      if (n >= target) return seen;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return undefined;
  })();
  return { at, stop: () => { stopped = true; } };
}
