import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { StateConflictError } from '../../src/domain/errors.js';
import { createPool } from '../../src/db/pool.js';
import { completeRefund } from '../../src/db/refund-outcomes.js';
import { createRefund, lockRefundTarget } from '../../src/db/refunds.js';
import { testEnv } from '../support/env.js';
import { capturedSandboxPayment, refundOf } from '../support/refund-fixtures.js';

/**
 * The row locks that keep refunds exact, with the two transactions interleaved by hand on two
 * connections to the test database: the second waits on the payment's row until the first commits,
 * then sees what the first did.
 */
describe('refund row locks (two transactions, real Postgres)', () => {
  let pool: pg.Pool;
  before(() => {
    pool = createPool(testEnv.databaseUrl(), 4);
  });
  after(async () => {
    await pool?.end();
  });

  /** Whether a promise is still unsettled after `ms` (it waits on a lock). */
  const stillWaiting = async (p: Promise<unknown>, ms = 300) => {
    const marker = Symbol('waiting');
    return (await Promise.race([p.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r(marker), ms))])) === marker;
  };

  async function begin(): Promise<pg.PoolClient> {
    const client = await pool.connect();
    await client.query('BEGIN');
    return client;
  }

  it('makes the second of two refunds for the last 10.00 wait for the first, then refuses it', async () => {
    const payment = await capturedSandboxPayment(pool, 1000n);
    const a = await begin();
    const b = await begin();
    try {
      const targetA = await lockRefundTarget(a, { paymentId: payment.id });
      assert.ok(targetA);
      await createRefund(a, targetA, { amountMinor: 1000n, reason: 'a', requestedBy: 'test', allowPartial: true, workflowStarted: true });
      const second = (async () => {
        const targetB = await lockRefundTarget(b, { paymentId: payment.id });
        assert.ok(targetB);
        return createRefund(b, targetB, { amountMinor: 1000n, reason: 'b', requestedBy: 'test', allowPartial: true, workflowStarted: true });
      })();
      assert.ok(await stillWaiting(second), 'the second waits on the payment row');
      await a.query('COMMIT');
      await assert.rejects(second, (err: unknown) => err instanceof StateConflictError && /nothing is left/.test(err.message));
      await b.query('ROLLBACK');
    } finally {
      a.release();
      b.release();
    }
    const rows = await pool.query<{ amount_minor: bigint }>('SELECT amount_minor FROM refunds WHERE payment_id = $1', [payment.id]);
    assert.deepEqual(rows.rows.map((r) => r.amount_minor), [1000n]);
    assert.equal((await pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [payment.id])).rows[0].refunded_minor, 1000n);
  });

  it('orders two refunds succeeding at once, so the second payment.refunded counts both and says full', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const one = await refundOf(pool, payment.id, 2000n);
    const two = await refundOf(pool, payment.id, 3000n);
    const a = await begin();
    const b = await begin();
    try {
      await completeRefund(a, one.id, { status: 'succeeded', gatewayRefundId: 'g1' });
      const second = completeRefund(b, two.id, { status: 'succeeded', gatewayRefundId: 'g2' });
      assert.ok(await stillWaiting(second), 'the second waits on the payment row');
      await a.query('COMMIT');
      await second;
      await b.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    const events = await pool.query<{ payload: { refund_id: string; refunded_amount: number; full: boolean } }>(
      "SELECT payload FROM events WHERE aggregate_id = $1 AND type = 'payment.refunded' ORDER BY id",
      [payment.id],
    );
    assert.deepEqual(events.rows.map((e) => [e.payload.refund_id, e.payload.refunded_amount, e.payload.full]), [[one.id, 2000, false], [two.id, 5000, true]]);
  });

  it('gives a failed refund its amount back in the transaction that fails it, and repeats nothing on a second outcome', async () => {
    const payment = await capturedSandboxPayment(pool, 5000n);
    const r = await refundOf(pool, payment.id, 4000n);
    const failed = await completeRefund(pool, r.id, { status: 'failed', code: 'refund_declined' });
    const again = await completeRefund(pool, r.id, { status: 'succeeded', gatewayRefundId: 'late' });
    assert.deepEqual([failed.status, again.status, again.gateway_refund_id], ['failed', 'failed', null]);
    assert.equal((await pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [payment.id])).rows[0].refunded_minor, 0n);
    const types = await pool.query("SELECT type FROM events WHERE aggregate_id = $1 ORDER BY id", [r.id]);
    assert.deepEqual(types.rows.map((e) => e.type), ['refund.created', 'refund.failed']);
  });
});
