import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generateCamt053 } from '../../bench/lib/generate-camt.js';
import { type ReliabilityCluster, startReliabilityCluster } from './support/cluster.js';
import { apiClient, call } from './support/http.js';
import { inParallel, sleep, waitFor } from './support/wait.js';

/**
 * Issue 10 §2.3, Temporal paused. The Temporal server is SIGSTOPped for 60 s (frozen: its sockets
 * stay open, nothing answers) while 200 subscriptions fall due and a camt.053 statement paying 100
 * pending bank transfers is uploaded. After SIGCONT nothing may be lost or doubled, and everything
 * due during the pause must be done — charged and recorded, matched and paid — within
 * BOUND_AFTER_RESUME_S, measured from the ledger's own timestamps.
 */
const SUBSCRIPTIONS = 200;
const TRANSFERS = 100;
const PAUSE_MS = 60_000;
/** What the backlog of one minute may take once Temporal is back (timers, retries backing off, the relay's ticks). */
const BOUND_AFTER_RESUME_S = 90;
const say = (line: string) => console.log(`[temporal-paused] ${line}`);

describe('the Temporal server SIGSTOPped for 60 s during billing and a statement import', () => {
  let cluster: ReliabilityCluster;
  let pool: pg.Pool;
  before(async () => {
    cluster = await startReliabilityCluster({ workers: 2, apis: 2, log: say, extra: { RELAY_INTERVAL_MS: '1000', CALLBACK_SIGNAL_TIMEOUT_MS: '2000' } });
    pool = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
  });
  after(async () => {
    cluster?.temporal.resume(); // never leave it frozen, whatever failed
    await pool?.end();
    await cluster?.stop();
  });

  it('loses nothing and finishes the backlog within the bound after SIGCONT', { timeout: 8 * 60_000 }, async () => {
    const api = apiClient(cluster.apis.map((a) => a.url), cluster.adminKey);
    const customer = await api('POST', '/v1/customers', { external_ref: `rel-${randomUUID()}`, name: 'Paused', email: 'paused@example.com' });
    assert.equal(customer.status, 201, JSON.stringify(customer.json));

    const created = Date.now();
    const pauseAt = created + 45_000;
    // Due from 5 s into the pause to 5 s before its end; each ends after that one charge.
    const dueAt = (i: number) => pauseAt + 5_000 + Math.floor((i * (PAUSE_MS - 10_000)) / SUBSCRIPTIONS);
    const subscriptions = await inParallel(Array.from({ length: SUBSCRIPTIONS }, (_, i) => i), 8, async (i) => {
      const res = await api('POST', '/v1/subscriptions', {
        customer_id: customer.json.id, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 2000 + i, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'UTC',
        first_charge_at: new Date(dueAt(i)).toISOString(), ends_at: new Date(dueAt(i) + 30_000).toISOString(),
      });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return res.json.id as string;
    });
    const transfers = await inParallel(Array.from({ length: TRANSFERS }, (_, i) => i), 8, async (i) => {
      const res = await api('POST', '/v1/payments', { customer_id: customer.json.id, amount: 500 + i, currency: 'PLN', gateway: 'bank_transfer', description: `transfer ${i}` });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return { id: res.json.id as string, reference: res.json.reference as string, amountMinor: BigInt(500 + i) };
    });
    assert.ok(Date.now() < pauseAt, `setup took ${((Date.now() - created) / 1000).toFixed(0)} s, past the planned pause`);
    const statement = generateCamt053(transfers.map((t, i) => ({ amountMinor: t.amountMinor, currency: 'PLN', reference: t.reference, bankReference: `REL-${randomUUID()}-${i}`, bookingDate: '2026-12-01' })));

    await sleep(pauseAt - Date.now());
    cluster.temporal.pause();
    const pausedAt = Date.now();
    say(`Temporal server SIGSTOPped; ${SUBSCRIPTIONS} charges fall due during the pause`);
    await sleep(10_000);
    const uploadStarted = Date.now();
    const upload = await call(cluster.apis[1]!.url, 'POST', '/v1/bank-statements', { key: cluster.adminKey, raw: statement, headers: { 'content-type': 'application/octet-stream' }, timeoutMs: PAUSE_MS });
    say(`statement upload during the pause answered ${upload.status} after ${((Date.now() - uploadStarted) / 1000).toFixed(1)} s`);
    await sleep(pausedAt + PAUSE_MS - Date.now());
    cluster.temporal.resume();
    const resumedAt = Date.now();
    say(`Temporal server SIGCONTinued after ${((resumedAt - pausedAt) / 1000).toFixed(1)} s`);

    // Accepted, or refused as 503 "stored, matching starts by itself once Temporal is back": either way
    // it is not sent again, so the relay has to start the import that Temporal missed.
    if (upload.status !== 201) {
      assert.equal(upload.status, 503, `the upload during the pause: ${JSON.stringify(upload.json)}`);
      assert.match(String(upload.json.detail), /stored as stm_/);
    }
    const stored = await pool.query<{ id: string }>('SELECT id FROM bank_statements');
    assert.equal(stored.rowCount, 1, 'the statement is stored once');
    const statementId = stored.rows[0]!.id;

    // Done: every subscription charged once and recorded, every transfer's line matched and the payment succeeded.
    await waitFor('the backlog to finish', async () => {
      const r = await pool.query<{ charged: number; paid: number; decided: number }>(
        `SELECT (SELECT count(*)::int FROM charge_attempts WHERE subscription_id = ANY($1::text[]) AND status = 'succeeded') AS charged,
                (SELECT count(*)::int FROM payments WHERE id = ANY($2::text[]) AND status = 'succeeded') AS paid,
                (SELECT count(*)::int FROM bank_lines WHERE statement_id = $3 AND outcome = 'matched') AS decided`,
        [subscriptions, transfers.map((t) => t.id), statementId],
      );
      const row = r.rows[0];
      return row && row.charged === SUBSCRIPTIONS && row.paid === TRANSFERS && row.decided === TRANSFERS ? true : undefined;
    }, (BOUND_AFTER_RESUME_S + 60) * 1000, 1000);

    const finished = await pool.query<{ charges: Date; payments: Date; lines: Date }>(
      `SELECT (SELECT max(completed_at) FROM charge_attempts WHERE subscription_id = ANY($1::text[])) AS charges,
              (SELECT max(created_at) FROM events WHERE type = 'payment.succeeded' AND aggregate_id = ANY($2::text[])) AS payments,
              (SELECT max(decided_at) FROM bank_lines WHERE statement_id = $3) AS lines`,
      [subscriptions, transfers.map((t) => t.id), statementId],
    );
    const f = finished.rows[0]!;
    const after = (d: Date) => (d.getTime() - resumedAt) / 1000;
    const worst = Math.max(after(f.charges), after(f.payments), after(f.lines));
    say(`after SIGCONT: last charge recorded at +${after(f.charges).toFixed(1)} s, last line decided at +${after(f.lines).toFixed(1)} s, last transfer paid at +${after(f.payments).toFixed(1)} s (bound ${BOUND_AFTER_RESUME_S} s)`);
    assert.ok(worst <= BOUND_AFTER_RESUME_S, `the backlog took ${worst.toFixed(1)} s after SIGCONT, over the ${BOUND_AFTER_RESUME_S} s bound`);

    // Nothing doubled: one booking per subscription at the gateway, one success per transfer, one statement.
    const bookings = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM sandbox_ledger WHERE split_part(idempotency_key, ':', 1) = ANY($1::text[])",
      [subscriptions],
    );
    assert.equal(bookings.rows[0]?.n, SUBSCRIPTIONS, 'one gateway charge per subscription');
    const twice = await pool.query(
      "SELECT aggregate_id FROM events WHERE type = 'payment.succeeded' AND aggregate_id = ANY($1::text[]) GROUP BY 1 HAVING count(*) > 1",
      [transfers.map((t) => t.id)],
    );
    assert.deepEqual(twice.rows, [], 'transfers paid twice');
    const unresolved = await pool.query("SELECT idempotency_key FROM charge_attempts WHERE status IN ('pending', 'unknown')");
    assert.deepEqual(unresolved.rows, [], 'attempts left pending or unknown');
  });
});
