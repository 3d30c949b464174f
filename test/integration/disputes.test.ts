import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * Disputes end to end: the sandbox's pretend processor posts its signed dispute callbacks to the
 * real callback route, the journal and relay deliver them to dispute:<gateway>:<id>, and the
 * ledger and the subscription show the result. Asserted from Postgres.
 */
describe('sandbox disputes through the callback route', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  const disputeOf = (column: 'payment_id' | 'charge_attempt_id', id: string) =>
    stack.pool.query<{ id: string; status: string; amount_minor: bigint; gateway_dispute_id: string; reason: string }>(
      `SELECT id, status, amount_minor, gateway_dispute_id, reason FROM disputes WHERE ${column} = $1`,
      [id],
    );
  const eventTypes = async (aggregateId: string, like: string) =>
    (await stack.pool.query<{ type: string; payload: Record<string, unknown> }>('SELECT type, payload FROM events WHERE aggregate_id = $1 AND type LIKE $2 ORDER BY id', [aggregateId, like])).rows;

  async function paidPayment(extra: Record<string, unknown> = {}) {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, extra);
    await stack.request('POST', `${new URL(payment.checkout_url).pathname}/approve`, { key: null });
    await waitFor('the payment to succeed', async () => ((await stack.pool.query("SELECT 1 FROM payments WHERE id = $1 AND status = 'succeeded'", [payment.id])).rowCount ? true : undefined));
    return payment;
  }

  it('raised, then won: the row and both events, each callback journaled and delivered', async () => {
    const payment = await paidPayment();
    const raised = await stack.request('POST', `/sandbox/payments/${payment.id}/dispute`, { body: { reason: 'fraudulent' } });
    assert.equal(raised.status, 202, raised.text);
    assert.deepEqual(raised.json.callbacks.map((c: { type: string; status: number }) => [c.type, c.status]), [['dispute.created', 200]]);
    const open = await waitFor('the dispute row', async () => (await disputeOf('payment_id', payment.id)).rows[0]);
    assert.equal(open.status, 'open');
    assert.equal(open.amount_minor, 1815n);
    assert.equal(open.gateway_dispute_id, raised.json.dispute_id);

    const won = await stack.request('POST', `/sandbox/payments/${payment.id}/dispute`, { body: { outcome: 'won' } });
    assert.equal(won.status, 202, won.text);
    assert.deepEqual(won.json.callbacks.map((c: { type: string }) => c.type), ['dispute.created', 'dispute.closed']);
    await waitFor('the dispute to close', async () => ((await disputeOf('payment_id', payment.id)).rows[0]?.status === 'won' ? true : undefined));
    assert.equal((await disputeOf('payment_id', payment.id)).rowCount, 1);
    const events = await eventTypes(payment.id, 'payment.dispute%');
    assert.deepEqual(events.map((e) => e.type), ['payment.disputed', 'payment.dispute_closed']);
    assert.equal(events[1]?.payload.outcome, 'won');

    const journal = await waitFor('the three callbacks to be delivered', async () => {
      const r = await stack.pool.query<{ outcome: string; target_kind: string }>("SELECT outcome, target_kind FROM inbound_requests WHERE target_id = $1 AND target_kind = 'payment' AND body LIKE '%dispute.%'", [payment.id]);
      return r.rowCount === 3 && r.rows.every((x) => x.outcome === 'delivered') ? r.rows : undefined;
    });
    assert.equal(journal.length, 3);
  });

  it('money a dispute holds is not refunded: open or lost → 409 with nothing held or booked; once won, the refund goes through', async () => {
    const refund = (paymentId: string) => stack.request('POST', `/v1/payments/${paymentId}/refunds`, { body: { reason: 'goodwill' }, headers: { 'idempotency-key': `k-${paymentId}-${Date.now()}` } });
    const ledgerOf = async (paymentId: string) => {
      const p = (await stack.pool.query<{ refunded_minor: bigint; gateway_transaction_id: string }>('SELECT refunded_minor, gateway_transaction_id FROM payments WHERE id = $1', [paymentId])).rows[0];
      assert.ok(p);
      const refunds = (await stack.pool.query<{ status: string; amount_minor: bigint }>('SELECT status, amount_minor FROM refunds WHERE payment_id = $1', [paymentId])).rows;
      const books = (await stack.pool.query<{ amount_minor: bigint; outcome: string }>('SELECT amount_minor, outcome FROM sandbox_refunds WHERE transaction_id = $1', [p.gateway_transaction_id])).rows;
      return { held: p.refunded_minor, refunds, books };
    };
    const refused = async (paymentId: string, status: 'open' | 'lost') => {
      const dispute = await waitFor(`the ${status} dispute`, async () => (await disputeOf('payment_id', paymentId)).rows.find((d) => d.status === status));
      const res = await refund(paymentId);
      assert.equal(res.status, 409, res.text);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.match(res.json.detail, new RegExp(`payment ${paymentId} has an? ${status} dispute ${dispute.id}`));
      assert.deepEqual(await ledgerOf(paymentId), { held: 0n, refunds: [], books: [] });
    };

    // 18.00: a sandbox refund of it succeeds at once (…15, the default amount, would answer pending).
    const open = await paidPayment({ amount: 1800 });
    assert.equal((await stack.request('POST', `/sandbox/payments/${open.id}/dispute`, { body: { reason: 'fraudulent' } })).status, 202);
    await refused(open.id, 'open');
    const lost = await paidPayment();
    assert.equal((await stack.request('POST', `/sandbox/payments/${lost.id}/dispute`, { body: { outcome: 'lost' } })).status, 202);
    await refused(lost.id, 'lost');

    assert.equal((await stack.request('POST', `/sandbox/payments/${open.id}/dispute`, { body: { outcome: 'won' } })).status, 202);
    await waitFor('the dispute to be won', async () => ((await disputeOf('payment_id', open.id)).rows[0]?.status === 'won' ? true : undefined));
    const res = await refund(open.id);
    assert.equal(res.status, 201, res.text);
    const done = await waitFor('the refund to settle', async () => {
      const r = await stack.request('GET', `/v1/refunds/${res.json.id}`);
      return r.json.status === 'pending' ? undefined : r.json;
    });
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(await ledgerOf(open.id), { held: 1800n, refunds: [{ status: 'succeeded', amount_minor: 1800n }], books: [{ amount_minor: 1800n, outcome: 'succeeded' }] });
  });

  it("a lost dispute of a subscription's charge stops the subscription as system_stopped, reason disputed", async () => {
    const customer = await createCustomer(stack);
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer.id, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 4999, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'Europe/Warsaw', first_charge_at: new Date().toISOString(),
      },
    });
    assert.equal(sub.status, 201, sub.text);
    const attempt = await waitFor('the first charge', async () => {
      const r = await stack.pool.query<{ id: string }>("SELECT id::text AS id FROM charge_attempts WHERE subscription_id = $1 AND status = 'succeeded'", [sub.json.id]);
      return r.rows[0]?.id;
    });
    const lost = await stack.request('POST', `/sandbox/charge-attempts/${attempt}/dispute`, { body: { outcome: 'lost', reason: 'product_not_received' } });
    assert.equal(lost.status, 202, lost.text);
    const row = await waitFor('the subscription to stop', async () => {
      const r = await stack.pool.query<{ state: string; stopped_reason: string }>('SELECT state, stopped_reason FROM subscriptions WHERE id = $1', [sub.json.id]);
      return r.rows[0]?.state === 'system_stopped' ? r.rows[0] : undefined;
    });
    assert.equal(row.stopped_reason, 'disputed');
    const dispute = (await disputeOf('charge_attempt_id', attempt)).rows[0];
    assert.equal(dispute?.status, 'lost');
    assert.equal(dispute?.reason, 'product_not_received');
    const events = await eventTypes(sub.json.id, '%');
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf('payment.dispute_closed') < types.indexOf('subscription.stopped'), types.join(', '));
    assert.equal(events.find((e) => e.type === 'subscription.stopped')?.payload.reason, 'disputed');
    const api = await stack.request('GET', `/v1/subscriptions/${sub.json.id}`);
    assert.equal(api.json.stopped_reason, 'disputed');
  });

  it('only an admin raises a dispute, of captured sandbox money, with a body it understands; a refusal sends nothing', async () => {
    const customer = await createCustomer(stack);
    const pending = await createPayment(stack, customer.id);
    const paid = await paidPayment();
    const billing = await stack.request('POST', '/v1/api-keys', { body: { name: 'billing', scopes: ['billing'] } });
    assert.equal((await stack.request('POST', `/sandbox/payments/${paid.id}/dispute`, { key: null })).status, 401);
    assert.equal((await stack.request('POST', `/sandbox/payments/${paid.id}/dispute`, { key: billing.json.key })).status, 403);
    const notCaptured = await stack.request('POST', `/sandbox/payments/${pending.id}/dispute`);
    assert.equal(notCaptured.status, 409);
    assert.equal(notCaptured.headers.get('content-type'), 'application/problem+json');
    assert.equal((await stack.request('POST', '/sandbox/payments/pay_nope/dispute')).status, 404);
    assert.equal((await stack.request('POST', '/sandbox/charge-attempts/1%27/dispute')).status, 404);
    assert.equal((await stack.request('POST', `/sandbox/payments/${paid.id}/dispute`, { body: { outcome: 'maybe' } })).status, 400);
    assert.equal((await stack.request('POST', `/sandbox/payments/${paid.id}/dispute`, { raw: '{', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await disputeOf('payment_id', paid.id)).rowCount, 0);
    assert.equal((await disputeOf('payment_id', pending.id)).rowCount, 0);
  });
});
