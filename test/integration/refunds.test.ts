import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { MISSING_REFUND_TRIES, refundOf } from '../../src/activities/refunds.js';
import { createRefundOf } from '../../src/api/refunds/create-refund.js';
import { StateConflictError } from '../../src/domain/errors.js';
import { inTransaction } from '../../src/db/pool.js';
import type { GatewayCapability, PaymentGateway } from '../../src/gateways/types.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * Refunds through the API on the dev server with the real worker, the real sandbox and Postgres:
 * every assertion about money reads the ledger (refunds, payments.refunded_minor) and the
 * sandbox's own books (sandbox_refunds).
 */
describe('refunds (dev server, real worker, real Postgres, sandbox books)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  /** A sandbox payment the payer approved on the hosted page, once it is succeeded. */
  async function paidPayment(amount: number) {
    const payment = await createPayment(stack, (await createCustomer(stack)).id, { amount });
    await stack.request('POST', `/sandbox/checkout/${payment.id}/approve`, { key: null });
    return waitFor(`payment ${payment.id} succeeded`, async () => {
      const p = await stack.request('GET', `/v1/payments/${payment.id}`);
      return p.json.status === 'succeeded' ? p.json : undefined;
    });
  }

  const refund = (paymentId: string, body: Record<string, unknown>, key: string | null = randomUUID(), apiKey?: string) =>
    stack.request('POST', `/v1/payments/${paymentId}/refunds`, { body, headers: key === null ? {} : { 'idempotency-key': key }, ...(apiKey ? { key: apiKey } : {}) });

  const settled = (refundId: string) =>
    waitFor(`refund ${refundId} to leave pending`, async () => {
      const r = await stack.request('GET', `/v1/refunds/${refundId}`);
      return r.json.status === 'pending' ? undefined : r.json;
    });

  const held = async (paymentId: string) => (await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [paymentId])).rows[0].refunded_minor as bigint;
  const booksOf = async (transactionId: string) =>
    (await stack.pool.query('SELECT idempotency_key, amount_minor, outcome FROM sandbox_refunds WHERE transaction_id = $1 ORDER BY created_at', [transactionId])).rows;
  const eventsOf = async (id: string) => (await stack.request('GET', `/v1/events?after=0&aggregate_id=${id}`)).json.data as Array<{ type: string; payload: Record<string, unknown> }>;

  function assertProblem(res: { status: number; headers: Headers; json: { code: string; detail: string } }, status: number, detail?: RegExp) {
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    if (detail) assert.match(res.json.detail, detail);
  }

  it('lets a refund workflow whose row never committed end after its tries, instead of retrying for ever', async () => {
    const missing = `ref_${randomUUID()}`;
    // Early tries wait for the creating transaction's commit (retryable); the last gives up for good.
    await assert.rejects(refundOf(stack.pool, missing, 1), (err: Error) => !(err instanceof ApplicationFailure) && /not committed/.test(err.message));
    await assert.rejects(refundOf(stack.pool, missing, MISSING_REFUND_TRIES), (err: Error) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'RefundMissing');
  });

  it('refunds the whole payment when no amount is given, once, with payment.refunded full and the sandbox booking', async () => {
    const payment = await paidPayment(4200);
    const res = await refund(payment.id, { reason: 'cancelled order' });
    assert.equal(res.status, 201, res.text);
    assert.match(res.json.id, /^ref_/);
    assert.deepEqual([res.json.status, res.json.amount, res.json.payment_id, res.json.currency], ['pending', 4200, payment.id, 'PLN']);
    const done = await settled(res.json.id);
    assert.equal(done.status, 'succeeded');
    assert.ok(done.gateway_refund_id);
    assert.equal(await held(payment.id), 4200n);
    assert.equal((await stack.request('GET', `/v1/payments/${payment.id}`)).json.refunded_amount, 4200);
    const books = await booksOf(payment.gateway_transaction_id);
    assert.deepEqual(books.map((b) => [b.idempotency_key, b.amount_minor, b.outcome]), [[`refund:${res.json.id}`, 4200n, 'succeeded']]);
    const visible = await stack.request('GET', `/sandbox/refunds?transaction_id=${payment.gateway_transaction_id}`);
    assert.deepEqual(visible.json.data.map((b: { amount: number; outcome: string }) => [b.amount, b.outcome]), [[4200, 'succeeded']]);
    const refunded = (await eventsOf(payment.id)).filter((e) => e.type === 'payment.refunded');
    assert.deepEqual(refunded.map((e) => [e.payload.refunded_amount, e.payload.full]), [[4200, true]]);
    assert.deepEqual((await eventsOf(res.json.id)).map((e) => e.type), ['refund.created', 'refund.succeeded']);
    assertProblem(await refund(payment.id, { reason: 'again' }), 409, /nothing is left/);
    const listed = await stack.request('GET', `/v1/payments/${payment.id}/refunds`);
    assert.deepEqual(listed.json.data.map((r: { id: string }) => r.id), [res.json.id]);
  });

  it('refunds partly, refuses more than is left (409 saying how much is) and changes nothing then', async () => {
    const payment = await paidPayment(5000);
    const first = await refund(payment.id, { amount: 2000, reason: 'one month back' });
    assert.equal(first.status, 201, first.text);
    const over = await refund(payment.id, { amount: 3001, reason: 'too much' });
    assertProblem(over, 409, /left to refund \(3000 minor units\)/);
    assert.equal(await held(payment.id), 2000n, 'the refused refund held nothing');
    const rest = await refund(payment.id, { amount: 3000, reason: 'the rest' });
    assert.equal(rest.status, 201, rest.text);
    await settled(first.json.id);
    await settled(rest.json.id);
    assert.equal(await held(payment.id), 5000n);
    const refunded = (await eventsOf(payment.id)).filter((e) => e.type === 'payment.refunded').map((e) => [e.payload.refunded_amount, e.payload.full]);
    // Both refunds run at once: whichever succeeds first is partial, the second makes it full.
    assert.equal(refunded.length, 2, JSON.stringify(refunded));
    assert.ok([2000, 3000].includes(refunded[0]?.[0] as number) && refunded[0]?.[1] === false, JSON.stringify(refunded));
    assert.deepEqual(refunded[1], [5000, true]);
    assert.equal((await booksOf(payment.gateway_transaction_id)).length, 2);
    const count = await stack.pool.query('SELECT count(*)::int AS n FROM refunds WHERE payment_id = $1', [payment.id]);
    assert.equal(count.rows[0].n, 2);
  });

  it('lets exactly one of two refunds fired at once for the last 10.00 through', async () => {
    const payment = await paidPayment(3000);
    const first = await refund(payment.id, { amount: 2000, reason: 'most of it' });
    assert.equal(first.status, 201, first.text);
    await settled(first.json.id);
    const [a, b] = await Promise.all([refund(payment.id, { amount: 1000, reason: 'race a' }), refund(payment.id, { amount: 1000, reason: 'race b' })]);
    assert.deepEqual([a.status, b.status].sort(), [201, 409], `${a.text} / ${b.text}`);
    const winner = a.status === 201 ? a : b;
    assert.equal((await settled(winner.json.id)).status, 'succeeded');
    const rows = await stack.pool.query("SELECT amount_minor, status FROM refunds WHERE payment_id = $1 AND status <> 'failed' ORDER BY created_at", [payment.id]);
    assert.deepEqual(rows.rows.map((r) => [r.amount_minor, r.status]), [[2000n, 'succeeded'], [1000n, 'succeeded']]);
    assert.equal(await held(payment.id), 3000n);
    const books = await booksOf(payment.gateway_transaction_id);
    assert.deepEqual(books.map((r) => [r.amount_minor, r.outcome]), [[2000n, 'succeeded'], [1000n, 'succeeded']]);
  });

  it('answers a repeated Idempotency-Key with the same refund, refuses another body for it (422) and a request without one (400)', async () => {
    const payment = await paidPayment(2500);
    const key = randomUUID();
    const [one, two] = await Promise.all([refund(payment.id, { amount: 500, reason: 'r' }, key), refund(payment.id, { amount: 500, reason: 'r' }, key)]);
    const statuses = [one.status, two.status];
    // The second waits for the first's transaction and answers its refund (or 409 while it is still in progress).
    assert.ok(statuses.includes(201), JSON.stringify(statuses));
    const again = await refund(payment.id, { amount: 500, reason: 'r' }, key);
    assert.equal(again.status, 201);
    assert.equal(again.json.id, (one.status === 201 ? one : two).json.id);
    assertProblem(await refund(payment.id, { amount: 600, reason: 'r' }, key), 422);
    assertProblem(await refund(payment.id, { amount: 500, reason: 'r' }, null), 400, /Idempotency-Key is required: send a unique key per refund/);
    const rows = await stack.pool.query('SELECT count(*)::int AS n FROM refunds WHERE payment_id = $1', [payment.id]);
    assert.equal(rows.rows[0].n, 1);
    assert.equal(await held(payment.id), 500n);
  });

  it('refuses a payment that is not succeeded, an unknown one, a read key and a customer token, leaving no refund', async () => {
    const customer = await createCustomer(stack);
    const pending = await createPayment(stack, customer.id);
    assertProblem(await refund(pending.id, { reason: 'x' }), 409, /pending; only a succeeded payment/);
    assertProblem(await refund('pay_nope', { reason: 'x' }), 404);
    const read = (await stack.request('POST', '/v1/api-keys', { body: { name: 'read', scopes: ['read'] } })).json.key as string;
    assertProblem(await refund(pending.id, { reason: 'x' }, randomUUID(), read), 403);
    const token = (await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: {} })).json.token as string;
    assertProblem(await refund(pending.id, { reason: 'x' }, randomUUID(), token), 404);
    assertProblem(await refund(pending.id, { amount: 0, reason: 'x' }), 400);
    assertProblem(await refund(pending.id, { reason: '' }), 400);
    assertProblem(await refund(pending.id, { reason: 'x', currency: 'EUR' }), 400);
    // A deferred payment's money comes with the bank statement: until it has, there is nothing to give back.
    const deferred = await createPayment(stack, customer.id, { gateway: 'sandbox_deferred' });
    await stack.request('POST', `/sandbox/checkout/${deferred.id}/approve`, { key: null });
    await waitFor('the deferred payment to succeed', async () => ((await stack.request('GET', `/v1/payments/${deferred.id}`)).json.status === 'succeeded' ? true : undefined));
    assertProblem(await refund(deferred.id, { reason: 'x' }), 409, /has not arrived yet/);
    assertProblem(await refund(pending.id, { amount: 1.5, reason: 'x' }), 400);
    const rows = await stack.pool.query('SELECT count(*)::int AS n FROM refunds WHERE payment_id = ANY($1::text[])', [[pending.id, deferred.id]]);
    assert.equal(rows.rows[0].n, 0);
  });

  it('records a refund the bank declines as failed and gives its amount back', async () => {
    const payment = await paidPayment(5000);
    const res = await refund(payment.id, { amount: 1013, reason: 'declined by the sandbox' });
    assert.equal(res.status, 201, res.text);
    const done = await settled(res.json.id);
    assert.deepEqual([done.status, done.gateway_code], ['failed', 'refund_declined']);
    assert.equal(await held(payment.id), 0n);
    assert.deepEqual((await eventsOf(res.json.id)).map((e) => e.type), ['refund.created', 'refund.failed']);
    const filtered = await stack.request('GET', `/v1/refunds?status=failed&payment_id=${payment.id}`);
    assert.deepEqual(filtered.json.data.map((r: { id: string }) => r.id), [res.json.id]);
  });

  it("refunds a subscription's succeeded charge attempt by the id its subscription lists, with charge_attempt.refunded", async () => {
    const customer = await createCustomer(stack);
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer.id, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 4999, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'Europe/Warsaw', first_charge_at: new Date().toISOString(),
      },
    });
    assert.equal(sub.status, 201, sub.text);
    const attempt = await waitFor('the first charge', async () => {
      const s = await stack.request('GET', `/v1/subscriptions/${sub.json.id}`);
      return s.json.attempts?.find((a: { status: string }) => a.status === 'succeeded') as { id: string; gateway_transaction_id: string } | undefined;
    });
    const path = `/v1/subscriptions/${sub.json.id}/charge-attempts/${attempt.id}/refunds`;
    const res = await stack.request('POST', path, { body: { amount: 999, reason: 'pro rata' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual([res.json.charge_attempt_id, res.json.payment_id, res.json.amount], [attempt.id, null, 999]);
    assert.equal((await settled(res.json.id)).status, 'succeeded');
    assert.deepEqual((await booksOf(attempt.gateway_transaction_id)).map((b) => [b.amount_minor, b.outcome]), [[999n, 'succeeded']]);
    const after = (await stack.request('GET', `/v1/subscriptions/${sub.json.id}`)).json.attempts.find((a: { id: string }) => a.id === attempt.id);
    assert.equal(after.refunded_amount, 999);
    const refunded = (await eventsOf(attempt.id)).filter((e) => e.type === 'charge_attempt.refunded');
    assert.deepEqual(refunded.map((e) => [e.payload.subscription_id, e.payload.refunded_amount, e.payload.full]), [[sub.json.id, 999, false]]);
    // The attempt must be the subscription's own: another subscription's id in the path finds nothing.
    const other = await stack.request('POST', `/v1/subscriptions/sub_other/charge-attempts/${attempt.id}/refunds`, { body: { reason: 'x' }, headers: { 'idempotency-key': randomUUID() } });
    assertProblem(other, 404);
    assertProblem(await stack.request('POST', `/v1/subscriptions/${sub.json.id}/charge-attempts/abc/refunds`, { body: { reason: 'x' }, headers: { 'idempotency-key': randomUUID() } }), 404);
    const listed = await stack.request('GET', `/v1/refunds?charge_attempt_id=${attempt.id}`);
    assert.deepEqual(listed.json.data.map((r: { id: string }) => r.id), [res.json.id]);
    // A period paid through its payment link (SCA) is that payment's money: refunded through it only.
    const linkPayment = await paidPayment(4999);
    await stack.pool.query('UPDATE charge_attempts SET payment_id = $2 WHERE id = $1', [attempt.id, linkPayment.id]);
    const twice = await stack.request('POST', path, { body: { reason: 'again' }, headers: { 'idempotency-key': randomUUID() } });
    assertProblem(twice, 409);
    assert.match(twice.json.detail, new RegExp(`refund that payment`));
    assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM refunds WHERE charge_attempt_id = $1', [attempt.id])).rows[0].n, 1);
  });

  it('refuses (409, with the reason) a refund through a gateway without refunds, and a partial one through a gateway without partial refunds', async () => {
    const payment = await paidPayment(2000);
    const sandbox = stack.deps.gateways.get('sandbox');
    assert.ok(sandbox);
    // The configured sandbox as an adapter that declares less: the API's check is what is tested.
    const declaring = (capabilities: GatewayCapability[]): PaymentGateway => ({ ...sandbox, capabilities: new Set(capabilities) });
    const attempt = (gateway: PaymentGateway, amountMinor?: bigint) =>
      inTransaction(stack.pool, (tx) =>
        createRefundOf({ ...stack.deps, gateways: new Map([['sandbox', gateway]]) }, tx, { target: { paymentId: payment.id }, amountMinor, reason: 'x', requestedBy: 'test' }),
      );
    await assert.rejects(attempt(declaring([])), (err: unknown) => err instanceof StateConflictError && err.message === 'gateway "sandbox" does not support refunds');
    await assert.rejects(attempt(declaring(['refunds']), 500n), (err: unknown) => err instanceof StateConflictError && /lacks partial_refunds/.test(err.message));
    assert.equal(await held(payment.id), 0n);
    const whole = await attempt(declaring(['refunds']));
    assert.deepEqual([whole.amount_minor, whole.status], [2000n, 'pending']);
    assert.equal((await settled(whole.id)).status, 'succeeded');
  });
});
