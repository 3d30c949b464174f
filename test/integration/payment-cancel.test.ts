import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { journalCallback } from '../../src/db/callback-journal.js';
import { paymentWorkflowId } from '../../src/temporal/workflow-ids.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

describe('POST /v1/payments/:id/cancel', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  const eventsOf = async (paymentId: string) =>
    (await stack.pool.query<{ type: string; payload: Record<string, unknown> }>('SELECT type, payload FROM events WHERE aggregate_id = $1 ORDER BY id', [paymentId])).rows;
  const rowOf = async (paymentId: string) =>
    (await stack.pool.query<{ status: string; gateway_code: string | null; gateway_message: string | null }>('SELECT status, gateway_code, gateway_message FROM payments WHERE id = $1', [paymentId])).rows[0];

  it('cancels a pending payment: canceled in Postgres with its event, the workflow ends, the sandbox page no longer takes a verdict', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const res = await stack.request('POST', `/v1/payments/${payment.id}/cancel`, { body: { reason: 'paid in cash at the office' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'canceled');
    assert.equal(res.json.checkout_url, null);
    assert.ok(res.json.completed_at);

    const row = await rowOf(payment.id);
    assert.deepEqual(row, { status: 'canceled', gateway_code: 'canceled', gateway_message: 'paid in cash at the office' });
    const events = await eventsOf(payment.id);
    assert.deepEqual(events.map((e) => e.type), ['payment.created', 'payment.canceled']);
    assert.equal(events[1]?.payload.status, 'canceled');
    assert.equal(events[1]?.payload.reason, 'paid in cash at the office');
    assert.equal((await stack.pool.query('SELECT 1 FROM api_keys WHERE id = $1', [events[1]?.payload.canceled_by])).rowCount, 1, 'canceled_by names the API key');
    const state = await stack.deps.temporal.workflow.getHandle(paymentWorkflowId(payment.id)).result();
    assert.equal(state.status, 'canceled');

    // The payer who still presses Approve on the old checkout reaches no processor verdict.
    const checkout = new URL(payment.checkout_url).pathname;
    const approve = await stack.request('POST', `${checkout}/approve`, { key: null });
    assert.equal(approve.status, 303);
    assert.equal((await stack.pool.query('SELECT 1 FROM sandbox_checkouts WHERE payment_id = $1', [payment.id])).rowCount, 0);
    assert.equal((await rowOf(payment.id))?.status, 'canceled');
  });

  it('a payment that is not pending is 409 with its status, and nothing changes', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const checkout = new URL(payment.checkout_url).pathname;
    await stack.request('POST', `${checkout}/approve`, { key: null });
    await waitFor('the payment to succeed', async () => ((await rowOf(payment.id))?.status === 'succeeded' ? true : undefined));
    const before = await eventsOf(payment.id);

    const res = await stack.request('POST', `/v1/payments/${payment.id}/cancel`);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.json.code, 'state_conflict');
    assert.match(res.json.detail, /the payment is succeeded/);
    assert.equal((await rowOf(payment.id))?.status, 'succeeded');
    assert.deepEqual(await eventsOf(payment.id), before);

    // Canceled once, a second cancel without a key is a 409 too.
    const other = await createPayment(stack, customer.id);
    assert.equal((await stack.request('POST', `/v1/payments/${other.id}/cancel`)).status, 200);
    const again = await stack.request('POST', `/v1/payments/${other.id}/cancel`);
    assert.equal(again.status, 409);
    assert.match(again.json.detail, /the payment is canceled/);
    assert.deepEqual((await eventsOf(other.id)).map((e) => e.type), ['payment.created', 'payment.canceled']);
  });

  it('the same Idempotency-Key answers the first cancel again; another body with it is 422', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const key = `cancel-${randomUUID()}`;
    const first = await stack.request('POST', `/v1/payments/${payment.id}/cancel`, { headers: { 'idempotency-key': key }, body: { reason: 'duplicate invoice' } });
    const second = await stack.request('POST', `/v1/payments/${payment.id}/cancel`, { headers: { 'idempotency-key': key }, body: { reason: 'duplicate invoice' } });
    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.json, first.json);
    const other = await stack.request('POST', `/v1/payments/${payment.id}/cancel`, { headers: { 'idempotency-key': key }, body: { reason: 'something else' } });
    assert.equal(other.status, 422);
    const events = await eventsOf(payment.id);
    assert.deepEqual(events.map((e) => e.type), ['payment.created', 'payment.canceled']);
    assert.match(String(events[1]?.payload.request_id), /^idem_/);
  });

  it('refuses callers and bodies it must: no key 401, read key 403, a customer token or unknown id 404, an unknown field 400', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const path = `/v1/payments/${payment.id}/cancel`;
    assert.equal((await stack.request('POST', path, { key: null })).status, 401);
    const read = await stack.request('POST', '/v1/api-keys', { body: { name: 'read', scopes: ['read'] } });
    assert.equal((await stack.request('POST', path, { key: read.json.key })).status, 403);
    const token = (await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: {} })).json.token as string;
    assert.equal((await stack.request('POST', path, { key: token })).status, 404);
    assert.equal((await stack.request('POST', '/v1/payments/pay_nope/cancel')).status, 404);
    const bad = await stack.request('POST', path, { body: { reason: 'x', amount: 5 } });
    assert.equal(bad.status, 400);
    const long = await stack.request('POST', path, { body: { reason: 'x'.repeat(501) } });
    assert.equal(long.status, 400);
    // Text Postgres could not keep would fail the workflow's write for ever: refused at the door.
    assert.equal((await stack.request('POST', path, { body: { reason: 'a\u0000b' } })).status, 400);
    assert.equal((await stack.request('POST', path, { raw: '{"reason":"a\\ud800b"}', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await rowOf(payment.id))?.status, 'pending');
    assert.deepEqual((await eventsOf(payment.id)).map((e) => e.type), ['payment.created']);
    // A billing key may cancel.
    const billing = await stack.request('POST', '/v1/api-keys', { body: { name: 'billing', scopes: ['billing'] } });
    assert.equal((await stack.request('POST', path, { key: billing.json.key, body: { reason: 'zapłacone gotówką 💶' } })).status, 200);
    assert.equal((await eventsOf(payment.id))[1]?.payload.reason, 'zapłacone gotówką 💶');
  });

  it('a cancel racing the approve callback ends in exactly one final state, and a success after the cancel is a late success', async () => {
    const customer = await createCustomer(stack);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const payment = await createPayment(stack, customer.id);
      const checkout = new URL(payment.checkout_url).pathname;
      const [cancel] = await Promise.all([
        stack.request('POST', `/v1/payments/${payment.id}/cancel`),
        stack.request('POST', `${checkout}/approve`, { key: null }),
      ]);
      const final = await stack.deps.temporal.workflow.getHandle(paymentWorkflowId(payment.id)).result();
      const row = await rowOf(payment.id);
      assert.equal(row?.status, final.status);
      const finals = (await eventsOf(payment.id)).map((e) => e.type).filter((t) => t === 'payment.succeeded' || t === 'payment.canceled');
      assert.equal(finals.length, 1, `one final event, got ${finals.join(', ')}`);
      if (cancel.status === 200) {
        assert.equal(row?.status, 'canceled');
        // The sandbox booked the approval only if its page still saw the payment pending; that success then is late.
        const booked = (await stack.pool.query('SELECT 1 FROM sandbox_checkouts WHERE payment_id = $1', [payment.id])).rowCount === 1;
        if (booked) {
          await waitFor('the late success to be kept', async () => ((await eventsOf(payment.id)).some((e) => e.type === 'payment.late_success') ? true : undefined));
        }
        outcomes.push(booked ? 'canceled+late' : 'canceled');
      } else {
        assert.equal(cancel.status, 409, cancel.text);
        assert.equal(row?.status, 'succeeded');
        assert.match(cancel.json.detail, /the payment is succeeded/);
        outcomes.push('succeeded');
      }
    }
    console.log(`# races: ${outcomes.join(', ')}`);
  });

  it('a success journaled but not yet signalled when the cancel arrives wins: 409 succeeded, the callback taken, no cancel', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    // Journaled and accepted, as the callback endpoint leaves a row its dispatcher has not signalled yet.
    const entry = await journalCallback(stack.pool, {
      channel: 'callback', source: 'sandbox', method: 'POST', path: '/v1/callbacks/sandbox', headers: {}, body: '{}', bodyTruncated: false, sourceIp: '127.0.0.1',
      eventId: `evt_${randomUUID()}`, lookup: { by: 'payment', id: payment.id }, signedMode: 'test',
      signal: { kind: 'payment', outcome: { status: 'succeeded', gatewayTransactionId: 'sbx_txn_before_cancel', code: '00' } },
    });
    assert.equal(entry.outcome, 'accepted');
    const res = await stack.request('POST', `/v1/payments/${payment.id}/cancel`);
    assert.equal(res.status, 409, res.text);
    assert.match(res.json.detail, /the payment is succeeded/);
    const row = (await stack.pool.query('SELECT status, gateway_transaction_id FROM payments WHERE id = $1', [payment.id])).rows[0];
    assert.deepEqual(row, { status: 'succeeded', gateway_transaction_id: 'sbx_txn_before_cancel' });
    assert.equal((await stack.pool.query('SELECT outcome FROM inbound_requests WHERE id = $1', [entry.id])).rows[0]?.outcome, 'delivered');
    assert.deepEqual((await eventsOf(payment.id)).map((e) => e.type), ['payment.created', 'payment.succeeded'], 'no cancel and no late success');
  });

  it("a payment link's canceled payment leaves the link payable: the pay page again, and a new payment", async () => {
    const customer = await createCustomer(stack);
    const link = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 4200, currency: 'PLN', description: 'Internet, December' } });
    assert.equal(link.status, 201, link.text);
    const payPath = `/pay/${link.json.token}`;
    const started = await stack.request('POST', payPath, { key: null, raw: 'gateway=sandbox', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(started.status, 303);
    const first = (await stack.pool.query<{ id: string }>('SELECT id FROM payments WHERE payment_link_id = $1', [link.json.id])).rows[0]?.id;
    assert.ok(first);
    assert.match((await stack.request('GET', payPath, { key: null })).text, /Payment in progress/);

    assert.equal((await stack.request('POST', `/v1/payments/${first}/cancel`)).status, 200);
    const page = await stack.request('GET', payPath, { key: null });
    assert.equal(page.status, 200);
    assert.match(page.text, /Pay now/);
    assert.doesNotMatch(page.text, /Payment in progress/);
    const again = await stack.request('POST', payPath, { key: null, raw: 'gateway=sandbox', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(again.status, 303);
    const rows = (await stack.pool.query<{ id: string; status: string }>('SELECT id, status FROM payments WHERE payment_link_id = $1 ORDER BY created_at', [link.json.id])).rows;
    assert.deepEqual(rows.map((r) => r.status), ['canceled', 'pending']);
  });
});
