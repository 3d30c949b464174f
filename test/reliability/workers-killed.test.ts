import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type ReliabilityCluster, startReliabilityCluster } from './support/cluster.js';
import { apiClient } from './support/http.js';
import { inParallel, sleep, waitFor } from './support/wait.js';

/**
 * Issue 10 §2.1, workers killed mid-charge. 500 subscriptions fall due within one minute and end
 * after that charge; from the first due time a worker process is SIGKILLed (its whole group, no
 * shutdown hook) and replaced every 2–4 s, at least 50 times, with six workers on the task queue
 * (a replacement bundles the workflows before it polls, so fewer would leave almost none serving). Once every subscription has ended, the sandbox gateway's
 * books and the ledger must agree: no period booked twice, every booking a succeeded attempt of a
 * period the subscription has moved past, nothing left pending or unknown.
 */
const SUBSCRIPTIONS = 500;
const WORKERS = 6;
const MIN_KILLS = 50;
const INTERVAL_MS = 60_000;
/** A fifth of the cards answer 3 s after the bank booked the charge: the window a kill must not double. */
const SLOW_EVERY = 5;
const say = (line: string) => console.log(`[workers-killed] ${line}`);

describe('workers SIGKILLed and replaced every 2–4 s during a billing run', () => {
  let cluster: ReliabilityCluster;
  let pool: pg.Pool;
  before(async () => {
    cluster = await startReliabilityCluster({ workers: WORKERS, apis: 2, log: say });
    pool = new pg.Pool({ connectionString: cluster.databaseUrl, max: 3 });
  });
  after(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  it('charges every period exactly once and records every charge', { timeout: 9 * 60_000 }, async () => {
    const api = apiClient(cluster.apis.map((a) => a.url), cluster.adminKey);
    const customer = await api('POST', '/v1/customers', { external_ref: `rel-${randomUUID()}`, name: 'Kill', email: 'kill@example.com' });
    assert.equal(customer.status, 201, JSON.stringify(customer.json));

    // Due within one minute, starting 40 s from now (creating them takes less than that).
    const created = Date.now();
    const firstDue = created + 40_000;
    const dueAt = (i: number) => firstDue + Math.floor((i * 60_000) / SUBSCRIPTIONS);
    const ids = await inParallel(Array.from({ length: SUBSCRIPTIONS }, (_, i) => i), 8, async (i) => {
      const res = await api('POST', '/v1/subscriptions', {
        customer_id: customer.json.id,
        gateway: 'sandbox',
        payment_method: { token: i % SLOW_EVERY === 0 ? 'sandbox_slow_approve' : 'sandbox_approve' },
        amount: 1000 + i,
        currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1M' },
        time_zone: 'UTC',
        first_charge_at: new Date(dueAt(i)).toISOString(),
        // after the first charge (period 0) and before the second
        ends_at: new Date(dueAt(i) + INTERVAL_MS / 2).toISOString(),
      });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return res.json.id as string;
    });
    assert.ok(Date.now() < firstDue, `creating ${SUBSCRIPTIONS} subscriptions took past the first due time`);
    say(`${SUBSCRIPTIONS} subscriptions created in ${((Date.now() - created) / 1000).toFixed(1)} s, due between ${new Date(firstDue).toISOString()} and ${new Date(dueAt(SUBSCRIPTIONS - 1)).toISOString()}`);

    // The kills: from the first due time until all are due and at least MIN_KILLS are done.
    await sleep(firstDue - Date.now());
    const killUntil = dueAt(SUBSCRIPTIONS - 1);
    const hardStop = Date.now() + 6 * 60_000;
    let kills = 0;
    let killsMidCharge = 0;
    while ((kills < MIN_KILLS || Date.now() < killUntil) && Date.now() < hardStop) {
      await sleep(2000 + Math.floor(Math.random() * 2000));
      // The longest-serving worker that polls: the one most likely to hold charges in flight.
      const victim = cluster.workers.filter((w) => w.polling()).sort((a, b) => a.startedAt - b.startedAt)[0] ?? cluster.workers[0];
      if (!victim) break;
      const inFlight = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM charge_attempts WHERE status IN ('pending', 'unknown')");
      await cluster.killWorker(victim);
      cluster.addWorker();
      kills += 1;
      if ((inFlight.rows[0]?.n ?? 0) > 0) killsMidCharge += 1; // some attempt row pending in the cluster, not necessarily on the victim
    }
    say(`${kills} workers SIGKILLed and replaced, ${killsMidCharge} of them with charges in flight`);
    assert.ok(kills >= MIN_KILLS, `only ${kills} kills before the hard stop`);
    // On a quiet machine the charges drain before the 50th kill; at least a fifth must land mid-charge (39 and 50 here).
    assert.ok(killsMidCharge >= MIN_KILLS / 5, `only ${killsMidCharge} kills landed while a charge was in flight`);

    // Quiet: every subscription has reached its end date and its workflow has closed it.
    const quietFrom = Date.now();
    await waitFor('every subscription to end', async () => {
      const open = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM subscriptions WHERE state <> 'system_stopped'");
      return open.rows[0]?.n === 0 ? true : undefined;
    }, 4 * 60_000, 2000);
    say(`quiet ${((Date.now() - quietFrom) / 1000).toFixed(0)} s after the last kill, ${((Date.now() - firstDue) / 1000).toFixed(0)} s after the first due time`);

    const booked = await pool.query<{ idempotency_key: string; outcome: string }>('SELECT idempotency_key, outcome FROM sandbox_ledger');
    say(`${booked.rowCount} charges booked at the sandbox gateway`);
    assert.ok(booked.rows.every((r) => r.outcome === 'approved'), 'only approving cards are used');

    // 0 periods charged twice at the gateway (a period re-charged under a new attempt number would show here).
    const twice = await pool.query(
      `SELECT split_part(idempotency_key, ':', 1) AS sub, split_part(idempotency_key, ':', 2) AS period, count(*)::int AS n
         FROM sandbox_ledger GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    assert.deepEqual(twice.rows, [], 'periods charged twice at the gateway');

    // Every gateway charge is a succeeded attempt of a period the subscription has moved past.
    const unrecorded = await pool.query(
      `SELECT l.idempotency_key, a.status, s.period AS subscription_period, a.period AS attempt_period
         FROM sandbox_ledger l
         LEFT JOIN charge_attempts a ON a.idempotency_key = l.idempotency_key
         LEFT JOIN subscriptions s ON s.id = a.subscription_id
        WHERE a.status IS DISTINCT FROM 'succeeded' OR s.period IS NULL OR s.period <= a.period`,
    );
    assert.deepEqual(unrecorded.rows, [], 'gateway charges without a succeeded attempt and an advanced period');

    const unresolved = await pool.query("SELECT idempotency_key, status FROM charge_attempts WHERE status IN ('pending', 'unknown')");
    assert.deepEqual(unresolved.rows, [], 'attempts left pending or unknown');

    // Nothing lost either: each subscription was charged for its period once, then ended.
    const perSubscription = await pool.query<{ id: string; period: number; stopped_reason: string; booked: number }>(
      `SELECT s.id, s.period, s.stopped_reason,
              (SELECT count(*)::int FROM sandbox_ledger l WHERE starts_with(l.idempotency_key, s.id || ':')) AS booked
         FROM subscriptions s WHERE s.id = ANY($1::text[])`,
      [ids],
    );
    assert.equal(perSubscription.rowCount, SUBSCRIPTIONS);
    const off = perSubscription.rows.filter((r) => r.period !== 1 || r.booked !== 1 || r.stopped_reason !== 'ended');
    assert.deepEqual(off.slice(0, 5), [], `${off.length} subscriptions not charged exactly once for period 0 and then ended`);
    assert.equal(booked.rowCount, SUBSCRIPTIONS);
  });
});
