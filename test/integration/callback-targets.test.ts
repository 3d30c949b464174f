import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { journalCallback, type VerifiedCallback } from '../../src/db/callback-journal.js';
import { deliverCallback } from '../../src/relay/callbacks.js';
import type { StoredSignal, TargetLookup } from '../../src/relay/delivery.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The callback journal finds the row a message is for by its kind — a payment, a refund, a
 * charge attempt, or whichever of this gateway's rows carries the gateway's intent id — in the
 * one INSERT that decides it, and checks that row runs in the gateway and mode that signed it.
 */
describe('callback targets (src/db/callback-journal.ts, src/relay/delivery.ts)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  const journal = (lookup: TargetLookup, signal: StoredSignal, o: { source?: string; signedMode?: 'test' | 'live'; eventId?: string } = {}) => {
    const c: VerifiedCallback = {
      channel: 'callback', source: o.source ?? 'sandbox', method: 'POST', path: '/v1/callbacks/sandbox', headers: {}, body: '{}', bodyTruncated: false,
      sourceIp: '127.0.0.1', eventId: o.eventId ?? `evt_${randomUUID()}`, lookup, signedMode: o.signedMode ?? 'test', signal,
    };
    return journalCallback(stack.pool, c);
  };
  const refundSignal: StoredSignal = { kind: 'refund', outcome: { status: 'succeeded', gatewayRefundId: 're_1' } };
  const note: StoredSignal = { kind: 'noted', note: 'the off-session charge succeeded, as its call said' };

  /** A succeeded-looking refund row of a fresh sandbox payment, written as the refunds code would. */
  async function refundRow(status = 'pending'): Promise<{ refundId: string; paymentId: string }> {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const refundId = `ref_${randomUUID()}`;
    await stack.pool.query(
      `INSERT INTO refunds (id, payment_id, customer_id, gateway, mode, amount_minor, currency, reason, status, idempotency_key, requested_by)
       VALUES ($1, $2, $3, 'sandbox', 'test', 100, 'PLN', 'test', $4, $5, 'test')`,
      [refundId, payment.id, customer.id, status, `refund:${refundId}`],
    );
    return { refundId, paymentId: payment.id };
  }

  it('accepts a refund message for a refund of this gateway and mode, and stores its kind and id', async () => {
    const { refundId } = await refundRow();
    const entry = await journal({ by: 'refund', id: refundId }, refundSignal);
    assert.equal(entry.outcome, 'accepted');
    assert.deepEqual(entry.outcome === 'accepted' ? entry.target : undefined, { kind: 'refund', id: refundId });
    const row = (await stack.pool.query('SELECT target_kind, target_id, payment_id, signal FROM inbound_requests WHERE id = $1', [entry.id])).rows[0];
    assert.deepEqual(row, { target_kind: 'refund', target_id: refundId, payment_id: null, signal: refundSignal });
  });

  it('leaves a refund message signed in the other mode, or for another gateway, or for no refund, received', async () => {
    const { refundId } = await refundRow();
    const live = await journal({ by: 'refund', id: refundId }, refundSignal, { signedMode: 'live' });
    assert.deepEqual(live.outcome === 'received' ? live.found : 'accepted', { gateway: 'sandbox', mode: 'test' });
    const other = await journal({ by: 'refund', id: refundId }, refundSignal, { source: 'bank' });
    assert.equal(other.outcome, 'received');
    const none = await journal({ by: 'refund', id: `ref_${randomUUID()}` }, refundSignal);
    assert.deepEqual(none.outcome === 'received' ? none.found : 'accepted', undefined);
  });

  it("finds a payment by the gateway's intent id, only among this gateway's payments", async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const intent = `pi_${randomUUID()}`;
    await stack.pool.query('UPDATE payments SET gateway_intent_id = $2 WHERE id = $1', [payment.id, intent]);
    const found = await journal({ by: 'intent', id: intent }, note);
    assert.deepEqual(found.outcome === 'accepted' ? found.target : found.outcome, { kind: 'payment', id: payment.id });
    const row = (await stack.pool.query('SELECT payment_id FROM inbound_requests WHERE id = $1', [found.id])).rows[0];
    assert.equal(row.payment_id, payment.id, 'a payment target keeps payment_id, as rows always had');
    assert.equal((await journal({ by: 'intent', id: intent }, note, { source: 'stripe' })).outcome, 'received');
  });

  it('finds no charge attempt for an id that is not a number (no cast error) or that does not exist', async () => {
    assert.equal((await journal({ by: 'charge_attempt', id: 'abc' }, note)).outcome, 'received');
    assert.equal((await journal({ by: 'charge_attempt', id: '99999999999' }, note)).outcome, 'received');
    assert.equal((await journal({ by: 'charge_attempt', id: '99999999999999999999' }, note)).outcome, 'received');
  });

  it('makes a repeated event id a duplicate, whatever its kind', async () => {
    const { refundId } = await refundRow();
    const eventId = `evt_${randomUUID()}`;
    assert.equal((await journal({ by: 'refund', id: refundId }, refundSignal, { eventId })).outcome, 'accepted');
    assert.equal((await journal({ by: 'refund', id: refundId }, refundSignal, { eventId })).outcome, 'duplicate');
  });

  it('marks a note delivered without signalling anything, with the note as its detail', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const entry = await journal({ by: 'payment', id: payment.id }, note);
    assert.equal(await deliverCallback(stack.deps, entry.id, { kind: 'noted', note: 'nothing to do' }), 'delivered');
    const row = (await stack.pool.query('SELECT outcome, outcome_detail FROM inbound_requests WHERE id = $1', [entry.id])).rows[0];
    assert.deepEqual(row, { outcome: 'delivered', outcome_detail: 'nothing to do' });
    const p = await stack.request('GET', `/v1/payments/${payment.id}`);
    assert.equal(p.json.status, 'pending', 'a note changes no payment');
  });

  it("marks a refund outcome whose workflow is gone delivered when the refund already ended so, else late", async () => {
    for (const [status, expected] of [['succeeded', 'delivered'], ['failed', 'late']] as const) {
      const { refundId } = await refundRow(status);
      const entry = await journal({ by: 'refund', id: refundId }, refundSignal);
      // No refund:<id> workflow runs for a row written by hand: Temporal answers "not found", as for a closed one.
      assert.equal(await deliverCallback(stack.deps, entry.id, { kind: 'refund', refundId, outcome: { status: 'succeeded' } }), expected);
      const row = (await stack.pool.query('SELECT outcome FROM inbound_requests WHERE id = $1', [entry.id])).rows[0];
      assert.equal(row.outcome, expected);
    }
  });

  it('reverses a succeeded refund its gateway later reports failed: refundable again, refund.failed and payment.refunded say so', async () => {
    const { refundId, paymentId } = await refundRow('succeeded');
    await stack.pool.query('UPDATE payments SET refunded_minor = 100 WHERE id = $1', [paymentId]);
    const failed: StoredSignal = { kind: 'refund', outcome: { status: 'failed', gatewayRefundId: 're_1', code: 'expired_or_canceled_card' } };
    const entry = await journal({ by: 'refund', id: refundId }, failed);
    const delivery = { kind: 'refund' as const, refundId, outcome: { status: 'failed' as const, gatewayRefundId: 're_1', code: 'expired_or_canceled_card' } };
    assert.equal(await deliverCallback(stack.deps, entry.id, delivery), 'delivered');
    const refund = (await stack.pool.query('SELECT status, gateway_code FROM refunds WHERE id = $1', [refundId])).rows[0];
    assert.deepEqual(refund, { status: 'failed', gateway_code: 'expired_or_canceled_card' });
    assert.equal((await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [paymentId])).rows[0].refunded_minor, 0n);
    const events = (await stack.pool.query("SELECT type, payload FROM events WHERE aggregate_id IN ($1, $2) AND type <> 'payment.created' ORDER BY id", [refundId, paymentId])).rows;
    assert.deepEqual(events.map((e) => [e.type, e.payload.reversed ?? e.payload.refunded_amount]), [['refund.failed', true], ['payment.refunded', 0]]);
    // The same report again changes nothing more.
    const again = await journal({ by: 'refund', id: refundId }, failed);
    assert.equal(await deliverCallback(stack.deps, again.id, delivery), 'delivered');
    assert.equal((await stack.pool.query("SELECT count(*)::int AS n FROM events WHERE aggregate_id = $1 AND type = 'refund.failed'", [refundId])).rows[0].n, 1);
  });
});

describe('a success journaled before the deadline but signalled after it (src/activities/payments.ts expirePayment)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('succeeds the payment at its deadline instead of expiring it, and the late signal then finds it succeeded', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id, { expires_in: 'PT10S' });
    // Journaled and accepted, as the endpoint leaves a row its dispatcher has not signalled yet.
    const entry = await journalCallback(stack.pool, {
      channel: 'callback', source: 'sandbox', method: 'POST', path: '/v1/callbacks/sandbox', headers: {}, body: '{}', bodyTruncated: false, sourceIp: '127.0.0.1',
      eventId: `evt_${randomUUID()}`, lookup: { by: 'payment', id: payment.id }, signedMode: 'test',
      signal: { kind: 'payment', outcome: { status: 'succeeded', gatewayTransactionId: 'sbx_txn_in_time', code: '00' } },
    });
    assert.equal(entry.outcome, 'accepted');
    await stack.deps.temporal.workflow.getHandle(`payment:${payment.id}`).result();
    const row = (await stack.pool.query('SELECT status, gateway_transaction_id FROM payments WHERE id = $1', [payment.id])).rows[0];
    assert.deepEqual(row, { status: 'succeeded', gateway_transaction_id: 'sbx_txn_in_time' });
    const journaled = (await stack.pool.query('SELECT outcome FROM inbound_requests WHERE id = $1', [entry.id])).rows[0];
    assert.equal(journaled.outcome, 'delivered');
    const events = (await stack.pool.query("SELECT type FROM events WHERE aggregate_id = $1 ORDER BY id", [payment.id])).rows.map((r) => r.type);
    assert.deepEqual(events, ['payment.created', 'payment.succeeded'], 'no expiry and no late success');
  });

  it('still expires a payment whose only journaled callback is a decline', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id, { expires_in: 'PT10S' });
    await journalCallback(stack.pool, {
      channel: 'callback', source: 'sandbox', method: 'POST', path: '/v1/callbacks/sandbox', headers: {}, body: '{}', bodyTruncated: false, sourceIp: '127.0.0.1',
      eventId: `evt_${randomUUID()}`, lookup: { by: 'payment', id: payment.id }, signedMode: 'test',
      signal: { kind: 'payment', outcome: { status: 'failed', code: '05' } },
    });
    await stack.deps.temporal.workflow.getHandle(`payment:${payment.id}`).result();
    const row = (await stack.pool.query('SELECT status FROM payments WHERE id = $1', [payment.id])).rows[0];
    assert.equal(row.status, 'expired');
  });
});
