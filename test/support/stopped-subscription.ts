import type { Queryable } from '../../src/db/pool.js';
import { waitFor } from './stack.js';

/** A subscription once the system has stopped it, with its charge attempts and events, from the ledger. */
export async function stoppedBySystem(db: Queryable, subscriptionId: string) {
  const sub = await waitFor('the subscription to be stopped', async () => {
    const r = await db.query<{ state: string; stopped_reason: string | null }>('SELECT state, stopped_reason FROM subscriptions WHERE id = $1', [subscriptionId]);
    return r.rows[0]?.state === 'system_stopped' ? r.rows[0] : undefined;
  }, 40_000);
  const attempts = (
    await db.query<{ idempotency_key: string; status: string; outcome: string | null; gateway_code: string | null }>(
      'SELECT idempotency_key, status, outcome, gateway_code FROM charge_attempts WHERE subscription_id = $1 ORDER BY created_at, id',
      [subscriptionId],
    )
  ).rows;
  const events = (
    await db.query<{ type: string; payload: Record<string, unknown> }>("SELECT type, payload FROM events WHERE aggregate_type = 'subscription' AND aggregate_id = $1 ORDER BY id", [subscriptionId])
  ).rows;
  return { sub, attempts, events };
}
