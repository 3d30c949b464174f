import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { type StateWrite, writeState } from '../../src/activities/subscriptions.js';
import { claimChargeAttempt } from '../../src/db/charge-attempts.js';
import { recordChargeOutcome } from '../../src/db/charge-outcome.js';
import { insertCustomer } from '../../src/db/customers.js';
import { lockAggregate } from '../../src/db/events.js';
import { inTransaction } from '../../src/db/pool.js';
import { insertSubscription } from '../../src/db/subscriptions.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The order a subscription's writers take its event lock (migration 0021) and its rows in: the
 * lock first, before any row. The charge outcome's one statement inserts its events before it
 * updates the subscription; a state write updates the row before it appends. Were the lock taken
 * only at the insert, the two could hold one each and wait for the other (a deadlock). Here the
 * lock is held by a third session, and each writer must be found waiting for it with no row of
 * the subscription's locked.
 */
describe("a subscription's writers take its event lock before its rows (real Postgres)", () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  async function subscription(): Promise<string> {
    const customerId = `cus_${randomUUID()}`;
    await insertCustomer(stack.pool, { id: customerId, externalRef: customerId, name: 'Test', email: null });
    const id = `sub_${randomUUID()}`;
    await insertSubscription(stack.pool, {
      id, customerId, gateway: 'sandbox', mode: 'test', paymentMethod: { token: 'sandbox_approve', expires: null }, amountMinor: 2500n, currency: 'EUR',
      schedule: { kind: 'interval', duration: 'P30D' }, timeZone: 'UTC', firstChargeAt: new Date(), endsAt: null, minAmountMinor: null,
      maxAmountMinor: null, retrySchedule: ['PT15M'], period: 0, nextChargeAt: new Date(), firstPaymentId: null,
    });
    return id;
  }
  const state = (id: string, events: StateWrite['events']): StateWrite => ({
    subscriptionId: id, state: 'active', stoppedReason: null, period: 1, nextChargeAt: '2027-01-01T00:00:00.000Z', amountMinor: 2500,
    schedule: { kind: 'interval', duration: 'P30D' }, paymentMethod: { token: 'sandbox_approve', expires: null }, pendingChanges: null, events,
  });

  /** Runs `write` while another session holds the subscription's event lock; checks what it waits for, then lets it go. */
  async function whileLocked(id: string, write: () => Promise<unknown>, rowsFree: (probe: pg.PoolClient) => Promise<void>): Promise<void> {
    const holder = await stack.pool.connect();
    const probe = await stack.pool.connect();
    try {
      await holder.query('BEGIN');
      await lockAggregate(holder, 'subscription', id);
      const pids = new Set((await stack.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'")).rows.map((r) => r.pid));
      const writing = write();
      await waitFor('the writer to wait for the event lock', async () => {
        const w = await stack.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'");
        return w.rows.some((r) => !pids.has(r.pid)) ? true : undefined;
      });
      // Nothing of the subscription's is locked by the waiting writer: NOWAIT takes each at once.
      await probe.query('BEGIN');
      await rowsFree(probe);
      await probe.query('ROLLBACK');
      await holder.query('COMMIT');
      await writing;
    } finally {
      holder.release();
      probe.release();
    }
  }

  it('a state write (writeState) waits for the lock before it updates the row', async () => {
    const id = await subscription();
    await whileLocked(
      id,
      () => inTransaction(stack.pool, (tx) => writeState(tx, state(id, [{ type: 'subscription.updated', payload: { applied: true, period: 1 } }]))),
      async (probe) => {
        await probe.query({ text: 'SELECT 1 FROM subscriptions WHERE id = $1 FOR UPDATE NOWAIT', values: [id] });
      },
    );
    const v = await stack.pool.query<{ aggregate_version: number }>({ text: 'SELECT aggregate_version FROM events WHERE aggregate_id = $1', values: [id] });
    assert.deepEqual(v.rows.map((r) => r.aggregate_version), [1]);
  });

  it("a charge outcome's statement waits for the lock before it touches the attempt's row or the subscription's", async () => {
    const id = await subscription();
    const key = `${id}:0:0`;
    await claimChargeAttempt(stack.pool, { subscriptionId: id, period: 0, attempt: 0, key, amountMinor: 2500n, currency: 'EUR', mode: 'test' });
    await whileLocked(
      id,
      () => recordChargeOutcome(stack.pool, {
        key, subscriptionId: id, status: 'succeeded', outcome: 'success', code: '00', message: 'Approved', transactionId: 'tx_1',
        event: {
          type: 'subscription.charged',
          payload: { period: 0, attempt: 0, amount: 2500, currency: 'EUR', outcome: 'success', gateway_code: '00', gateway_message: 'Approved', gateway_transaction_id: 'tx_1', mode: 'test' },
        },
        next: {
          state: { state: 'active', stoppedReason: null, period: 1, nextChargeAt: null, amountMinor: 2500n, schedule: {}, paymentMethod: { token: 't', expires: null }, pendingChanges: null },
          events: [{ type: 'subscription.updated', payload: { applied: true, period: 1 } }],
        },
      }),
      async (probe) => {
        await probe.query({ text: 'SELECT 1 FROM charge_attempts WHERE idempotency_key = $1 FOR UPDATE NOWAIT', values: [key] });
        await probe.query({ text: 'SELECT 1 FROM subscriptions WHERE id = $1 FOR UPDATE NOWAIT', values: [id] });
      },
    );
    const v = await stack.pool.query<{ type: string; aggregate_version: number }>({ text: 'SELECT type, aggregate_version FROM events WHERE aggregate_id = $1 ORDER BY id', values: [id] });
    assert.deepEqual(v.rows.map((r) => [r.type, r.aggregate_version]), [['subscription.charged', 1], ['subscription.updated', 2]]);
  });
});
