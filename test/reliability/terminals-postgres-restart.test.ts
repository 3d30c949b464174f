import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';
import { type ReliabilityCluster, startReliabilityCluster } from './support/cluster.js';
import { apiClient } from './support/http.js';
import { checkThenPay, type OsmpAttempt, type OsmpNetwork, type OsmpParams, osmpTxnDate, type TerminalOptions, untilFinal } from './support/osmp-client.js';
import { inParallel, sleep, waitFor } from './support/wait.js';

/**
 * A terminal network paying through both APIs while Postgres is stopped for real. 400 pays (unique
 * txn_ids, sums with kopecks, 40 accounts each paid about ten times), one in five after a check,
 * are started at 40 a second by an OSMP client written from the protocol
 * (support/osmp-client.ts): a pay answered result 1, or not answered within 5 s, is sent again
 * with the same txn_id to the other API after a pause, until a final result. Postgres is stopped
 * 3 s into the burst and started again 10 s later. Afterwards the ledger must hold, for every
 * txn_id, one terminal transaction and one payment of its sum for its customer, succeeded; every
 * txn_id got result 0; and while Postgres was down every answer was HTTP 200 with result 1.
 */
const PAYS = 400;
const RATE_PER_S = 40;
const ACCOUNTS = 40;
const STOP_AT_S = 3;
const DOWN_FOR_S = 10;
const NETWORK = 'qiwi_rel';
const network: OsmpNetwork = { name: NETWORK, user: 'qiwi', password: `terminal-${randomUUID()}`, timeZone: 'Europe/Moscow' };
const say = (line: string) => console.log(`[terminals-postgres-restart] ${line}`);

const kopecks = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;

describe('terminal pays while Postgres is stopped and started', () => {
  let cluster: ReliabilityCluster;
  let pool: pg.Pool;
  before(async () => {
    const gateways = writeGatewaysFile([
      sandboxEntry(),
      {
        name: NETWORK,
        adapter: 'osmp',
        // The API sees the test's own connections: no proxy between them.
        allowlist: ['127.0.0.1/32', '::1/128'],
        basic_auth: { user: network.user, password: { env: 'QIWI_REL_PASSWORD' } },
        timezone: network.timeZone,
        currency: 'RUB',
        min_amount: 100,
        max_amount: 1_500_000,
        identification: { identifiers: ['contract'] },
      },
    ]);
    cluster = await startReliabilityCluster({
      workers: 2,
      apis: 2,
      log: say,
      extra: { TOLLGATE_GATEWAYS_FILE: gateways, QIWI_REL_PASSWORD: network.password, RELAY_INTERVAL_MS: '1000', CALLBACK_SIGNAL_TIMEOUT_MS: '2000' },
    });
    pool = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
    pool.on('error', () => undefined); // its idle clients die with the Postgres restart below
  });
  after(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  it('pays every txn_id once, answers only result 1 while Postgres is down, and the same prv_txn on every repeat', { timeout: 6 * 60_000 }, async () => {
    const urls = cluster.apis.map((a) => a.url);
    const api = apiClient(urls, cluster.adminKey);
    const customers = await inParallel(Array.from({ length: ACCOUNTS }, (_, i) => i), 4, async (i) => {
      const c = await api('POST', '/v1/customers', { external_ref: `rel-osmp-${randomUUID()}`, name: `Terminal Payer ${i}`, email: `payer${i}@example.com` });
      assert.equal(c.status, 201, JSON.stringify(c.json));
      const contract = `${70_000_000 + i * 1_117 + Math.floor(Math.random() * 1000)}`;
      const ids = await api('PUT', `/v1/customers/${c.json.id}/identifiers`, { contract });
      assert.equal(ids.status, 200, JSON.stringify(ids.json));
      return { id: c.json.id as string, contract };
    });
    const base = BigInt(Date.now()) * 1000n;
    const pays = Array.from({ length: PAYS }, (_, i) => {
      const minor = 100n + BigInt(Math.floor(Math.random() * 900_000));
      const customer = customers[i % ACCOUNTS]!;
      const params: Extract<OsmpParams, { command: 'pay' }> = { command: 'pay', txnId: (base + BigInt(i)).toString(), account: customer.contract, sum: kopecks(minor), txnDate: '' };
      return { params, minor, customerId: customer.id, withCheck: i % 5 === 0 };
    });
    const expected = new Map(pays.map((p) => [p.params.txnId, p]));

    const attempts: OsmpAttempt[] = [];
    const terminal: TerminalOptions = { network, apis: urls, timeoutMs: 5_000, pauseMs: 2_000, giveUpAfterMs: 90_000, onAttempt: (a) => attempts.push(a) };
    const down = { stoppedAt: 0, restartingAt: 0, upAt: 0 };
    const t0 = Date.now();
    const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));
    const sending = (async () => {
      const inFlight = [];
      for (let i = 0; i < PAYS; i++) {
        await at(i / RATE_PER_S);
        const p = pays[i]!;
        p.params.txnDate = osmpTxnDate(network.timeZone);
        inFlight.push(checkThenPay(terminal, p.params, i, p.withCheck));
      }
      return Promise.all(inFlight);
    })();
    const fault = (async () => {
      await at(STOP_AT_S);
      await cluster.postgres.stop();
      down.stoppedAt = Date.now();
      say(`Postgres stopped at +${((down.stoppedAt - t0) / 1000).toFixed(1)} s`);
      await at(STOP_AT_S + DOWN_FOR_S);
      down.restartingAt = Date.now();
      await cluster.postgres.start();
      down.upAt = Date.now();
      say(`Postgres started again at +${((down.upAt - t0) / 1000).toFixed(1)} s`);
    })();
    const [finals] = await Promise.all([sending, fault]);
    say(`${attempts.length} requests for ${PAYS} pays in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    // Counts first, so a failure below is read with them.
    const answers = attempts.flatMap((a) => (a.reply.kind === 'answer' ? [{ ...a, reply: a.reply }] : []));
    const payAttempts = attempts.filter((a) => a.params.command === 'pay');
    const inOutage = (a: OsmpAttempt) => a.sentAt >= down.stoppedAt && a.answeredAt <= down.restartingAt;
    const outage = attempts.filter(inOutage);
    const latency = Math.max(0, ...outage.map((a) => a.answeredAt - a.sentAt));
    const count = (f: (a: OsmpAttempt) => boolean) => attempts.filter(f).length;
    say(
      `answered 0: ${count((a) => a.reply.kind === 'answer' && a.reply.result === 0)}, answered 1: ${count((a) => a.reply.kind === 'answer' && a.reply.result === 1)}, ` +
        `unanswered: ${count((a) => a.reply.kind === 'unanswered')} (timeouts ${count((a) => a.reply.kind === 'unanswered' && a.reply.why === 'timeout')}), ` +
        `broken: ${count((a) => a.reply.kind === 'broken')}, other results: ${answers.filter((a) => a.reply.result > 1).length}; ` +
        `retries: ${attempts.length - PAYS - pays.filter((p) => p.withCheck).length}; while Postgres was down ${outage.length} requests, the slowest answered in ${latency} ms`,
    );

    // Every reply was the protocol's: never a 5xx, never XML the client cannot read, never a final refusal.
    assert.deepEqual(attempts.filter((a) => a.reply.kind === 'broken').slice(0, 5), [], 'replies that are not an OSMP answer');
    assert.deepEqual(answers.filter((a) => a.reply.result > 1).slice(0, 5), [], 'final refusals of good pays');
    // While Postgres was down: HTTP 200 and result 1, or nothing — never 0.
    assert.ok(outage.length > 50, `requests were sent while Postgres was down (${outage.length})`);
    assert.deepEqual(outage.filter((a) => a.reply.kind === 'answer' && (a.reply.httpStatus !== 200 || a.reply.result !== 1)).slice(0, 5), [], 'answers other than result 1 while Postgres was down');
    assert.ok(outage.some((a) => a.reply.kind === 'answer' && a.reply.result === 1), 'result 1 answered while Postgres was down');
    // A live API answers within the client's timeout: down, it says 1 at once rather than hang.
    assert.deepEqual(attempts.filter((a) => a.reply.kind === 'unanswered').slice(0, 5), [], 'requests the APIs did not answer within 5 s');

    // Every txn_id got result 0 in the end (the terminal retried until Postgres was back).
    const paid = new Map<string, string>();
    for (const [i, reply] of finals.entries()) {
      const txnId = pays[i]!.params.txnId;
      assert.ok(reply.kind === 'answer' && reply.result === 0, `txn_id ${txnId} ended with ${JSON.stringify(reply)}`);
      paid.set(txnId, reply.prvTxn!);
    }
    assert.ok(payAttempts.length > PAYS, 'some pays were sent again');

    // A terminal that lost the answer sends the pay once more: the same prv_txn and sum, nothing new paid.
    const repeats = await inParallel(pays, 8, (p, i) => untilFinal({ ...terminal, onAttempt: (a) => attempts.push(a) }, p.params, i + 1));
    for (const [i, reply] of repeats.entries()) {
      const txnId = pays[i]!.params.txnId;
      assert.ok(reply.kind === 'answer' && reply.result === 0 && reply.prvTxn === paid.get(txnId) && reply.sum === pays[i]!.params.sum, `repeat of txn_id ${txnId}: ${JSON.stringify(reply)}, first prv_txn ${paid.get(txnId)}`);
    }
    const prvTxns = new Map<string, Set<string>>();
    for (const a of attempts) {
      if (a.params.command !== 'pay' || a.reply.kind !== 'answer' || a.reply.result !== 0) continue;
      prvTxns.set(a.params.txnId, (prvTxns.get(a.params.txnId) ?? new Set()).add(a.reply.prvTxn!));
    }
    assert.deepEqual([...prvTxns].filter(([, s]) => s.size !== 1), [], 'a txn_id answered two prv_txns');

    // The ledger: one terminal transaction and one payment per txn_id, of its sum, for its customer.
    const rows = await pool.query<{ txn_id: string; prv_txn: bigint; customer_id: string; sum_minor: bigint; payment_id: string; amount_minor: bigint; payment_customer: string }>(
      `SELECT t.txn_id, t.prv_txn, t.customer_id, t.sum_minor, t.payment_id, p.amount_minor, p.customer_id AS payment_customer
         FROM terminal_transactions t JOIN payments p ON p.id = t.payment_id
        WHERE t.gateway = $1 AND t.mode = 'live' AND t.txn_id = ANY($2::text[])`,
      [NETWORK, [...expected.keys()]],
    );
    const twice = rows.rows.filter((r, i) => rows.rows.findIndex((x) => x.txn_id === r.txn_id) !== i);
    assert.deepEqual(twice, [], 'txn_ids paid twice');
    assert.equal(rows.rowCount, PAYS, 'one terminal transaction per txn_id');
    const wrong = rows.rows.filter((r) => {
      const e = expected.get(r.txn_id)!;
      return r.sum_minor !== e.minor || r.amount_minor !== e.minor || r.customer_id !== e.customerId || r.payment_customer !== e.customerId || r.prv_txn.toString() !== paid.get(r.txn_id);
    });
    assert.deepEqual(wrong.slice(0, 5), [], 'terminal transactions whose sum, customer or prv_txn differ from what was paid');
    const payments = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM payments WHERE gateway = $1 AND customer_id = ANY($2::text[])`, [NETWORK, customers.map((c) => c.id)]);
    assert.equal(payments.rows[0]?.n, PAYS, 'one payment per txn_id, none besides');

    const paymentIds = rows.rows.map((r) => r.payment_id);
    const settled = await waitFor('every terminal payment to succeed', async () => {
      const r = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM payments WHERE id = ANY($1::text[]) AND status = 'succeeded'", [paymentIds]);
      return r.rows[0]?.n === PAYS ? Date.now() : undefined;
    }, 120_000, 1000);
    say(`all ${PAYS} payments succeeded ${((settled - down.upAt) / 1000).toFixed(0)} s after Postgres was back`);
    const succeededTwice = await pool.query(
      `SELECT aggregate_id, count(*)::int AS n FROM events WHERE type = 'payment.succeeded' AND aggregate_id = ANY($1::text[]) GROUP BY 1 HAVING count(*) <> 1`,
      [paymentIds],
    );
    assert.deepEqual(succeededTwice.rows, [], 'payments that succeeded more than once');
  });
});
