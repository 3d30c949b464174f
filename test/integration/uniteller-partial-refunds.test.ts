import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GatewayTimeoutError, type RefundRequest } from '../../src/gateways/types.js';
import { unblockForm } from '../../src/gateways/uniteller/refunds.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { UNITELLER_TEST_API_PASSWORD, UNITELLER_TEST_PASSWORD, unitellerEntry, unitellerEnv, writeGatewaysFile } from '../support/gateways-file.js';
import { refundOf } from '../support/refund-fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { startUnitellerSimulator, type UnitellerSimulator } from '../support/uniteller-simulator.js';

/**
 * Partial refunds at Uniteller (uniteller.partial_refunds: true, src/gateways/uniteller/partial-refunds.ts)
 * against the simulator with an acquirer that takes partial and repeated cancellations (manual
 * v1.43 rev. 48, 4.5.1), which keeps books of what it gave back and refuses more than the balance.
 */
describe('uniteller partial refunds (partial_refunds: true) against the simulator', () => {
  let stack: TestStack;
  let sim: UnitellerSimulator;
  const SHOP = '00012345';

  before(async () => {
    sim = await startUnitellerSimulator([{ shopIdp: SHOP, password: UNITELLER_TEST_PASSWORD, login: 'test-login', apiPassword: UNITELLER_TEST_API_PASSWORD, partialCancels: true }]);
    const entry = unitellerEntry(sim.url);
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([{ ...entry, uniteller: { ...entry.uniteller, partial_refunds: true } }]), ...unitellerEnv });
    sim.notifyUrl = `${stack.baseUrl}/v1/callbacks/uniteller`;
  });
  after(async () => {
    await stack?.close();
    await sim?.close();
  });

  const paid = async (amount: number) => {
    const customer = await createCustomer(stack);
    const p = await createPayment(stack, customer.id, { gateway: 'uniteller', currency: 'RUB', amount });
    const orderId = new URL(p.checkout_url).searchParams.get('Order_IDP') ?? '';
    assert.equal((await fetch(p.checkout_url)).status, 200);
    const decided = await fetch(`${sim.url}/pay/decide`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Order_IDP: orderId, verdict: 'approve' }).toString() });
    assert.equal(decided.status, 303);
    await waitFor(`payment ${p.id} to succeed`, async () => ((await stack.pool.query('SELECT status FROM payments WHERE id = $1', [p.id])).rows[0]?.status === 'succeeded' ? true : undefined), 40_000);
    return { id: p.id, orderId };
  };
  const refundRow = async (id: string) => (await stack.pool.query('SELECT status, amount_minor, gateway_refund_id FROM refunds WHERE id = $1', [id])).rows[0];
  const decided = (id: string) => waitFor(`refund ${id} to be decided`, async () => {
    const r = await refundRow(id);
    return r?.status === 'pending' ? undefined : r;
  }, 40_000);
  const unblocks = (orderId: string) => sim.requests.filter((r) => r.path === '/unblock/' && r.fields.OrderID === orderId);
  const booksOf = (orderId: string) => sim.refunds.filter((r) => r.orderId === orderId);

  it('two partial refunds through the API, each /unblock/ with its Subtotal_P: the ledger and the simulator’s books agree; more than remains is refused by both', async () => {
    const p = await paid(181_500);
    const gateways = await stack.request('GET', '/v1/gateways');
    assert.ok(gateways.json.data.find((g: { name: string }) => g.name === 'uniteller').capabilities.includes('partial_refunds'));
    const first = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { amount: 50_000, reason: 'a part' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(first.status, 201, first.text);
    const one = await decided(first.json.id);
    const second = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { amount: 30_000, reason: 'another part' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(second.status, 201, second.text);
    const two = await decided(second.json.id);
    assert.deepEqual(unblocks(p.orderId).map((r) => r.fields.Subtotal_P), ['500.00', '300.00']);
    const books = booksOf(p.orderId);
    assert.deepEqual(books.map((r) => r.amount), ['500.00', '300.00'], 'the simulator’s books: two refunds');
    assert.deepEqual([one, two], [
      { status: 'succeeded', amount_minor: 50_000n, gateway_refund_id: books[0]?.billNumber },
      { status: 'succeeded', amount_minor: 30_000n, gateway_refund_id: books[1]?.billNumber },
    ], 'each refund carries its own refund RRN from the results request');
    assert.equal((await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [p.id])).rows[0].refunded_minor, 80_000n);
    assert.equal((await stack.request('GET', `/v1/payments/${p.id}`)).json.refunded_amount, 80_000);
    // 1 015.00 remains: 1 100.00 is refused by Tollgate's ledger before anything is sent …
    const tooMuch = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { amount: 110_000, reason: 'too much' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(tooMuch.status, 409, tooMuch.text);
    assert.match(tooMuch.json.detail, /exceeds what is left to refund/);
    assert.equal(unblocks(p.orderId).length, 2, 'nothing sent');
    // … and by Uniteller's balance, had it been sent (table 30: at most the payment's amount, less what was cancelled).
    const direct = await fetch(`${sim.url}/unblock/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(unblockForm({ shopIdp: SHOP, password: UNITELLER_TEST_PASSWORD }, p.orderId, '1100.00', 'RUB')).toString() });
    assert.match(await direct.text(), /^ErrorCode;ErrorMessage\n5;/);
    assert.equal(booksOf(p.orderId).length, 2, 'the simulator’s books unchanged');
    // What remains, refunded whole, closes the order.
    const rest = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { reason: 'the rest' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(rest.status, 201, rest.text);
    assert.deepEqual([(await decided(rest.json.id)).status, booksOf(p.orderId).map((r) => r.amount)], ['succeeded', ['500.00', '300.00', '1015.00']]);
    assert.equal(sim.orders.get(p.orderId)?.status, 'canceled');
  });

  const requestFor = async (p: { id: string; orderId: string }, amountMinor: bigint): Promise<RefundRequest> => {
    const row = await refundOf(stack.pool, p.id, amountMinor);
    return { idempotencyKey: row.idempotency_key, refundId: row.id, amountMinor: row.amount_minor, currency: 'RUB', mode: 'test', original: { paymentId: p.id, transactionId: row.original_transaction_id, ids: { sessionId: p.orderId } }, reason: 'test' };
  };

  it('a partial refund whose answer was lost is found by its refund line in the results; the same key again refunds once', async () => {
    const p = await paid(50_000);
    const gateway = stack.deps.gateways.get('uniteller');
    assert.ok(gateway && typeof gateway.refund === 'function' && typeof gateway.refundStatus === 'function');
    const req = await requestFor(p, 12_000n);
    assert.equal(await gateway.refundStatus(req.idempotencyKey, 'test'), undefined, 'never sent: never seen');
    sim.loseNextUnblockAnswer = true;
    await assert.rejects(gateway.refund(req), GatewayTimeoutError);
    assert.equal(sim.loseNextUnblockAnswer, false, 'the answer was indeed lost');
    const found = await gateway.refundStatus(req.idempotencyKey, 'test');
    assert.deepEqual([found?.status, found?.gatewayRefundId], ['succeeded', booksOf(p.orderId)[0]?.billNumber], 'the one new refund line of 120.00');
    assert.equal((await gateway.refund(req)).status, 'succeeded');
    assert.equal(unblocks(p.orderId).length, 1, 'never sent again');
    assert.deepEqual(booksOf(p.orderId).map((r) => r.amount), ['120.00'], 'the simulator’s books: one refund');
  });

  it('a lost answer the results cannot prove (no refund lines listed, as for SBP) stays pending for a person and is never sent again', async () => {
    const p = await paid(40_000);
    const gateway = stack.deps.gateways.get('uniteller');
    assert.ok(gateway && typeof gateway.refund === 'function' && typeof gateway.refundStatus === 'function');
    const req = await requestFor(p, 10_000n);
    sim.unlistedRefunds = true;
    try {
      sim.loseNextUnblockAnswer = true;
      await assert.rejects(gateway.refund(req), GatewayTimeoutError);
      assert.equal((await gateway.refundStatus(req.idempotencyKey, 'test'))?.status, 'pending', 'sent, not proven: not "never seen"');
      assert.equal((await gateway.refund(req)).status, 'pending');
      // Another refund of the same order waits while this one is unresolved: its lines could not be told apart.
      const other = await requestFor(p, 5_000n);
      await assert.rejects(gateway.refund(other), /another cancellation of order .* is unresolved/);
      assert.equal(unblocks(p.orderId).length, 1, 'sent once');
      assert.deepEqual(booksOf(p.orderId).map((r) => r.amount), ['100.00']);
    } finally {
      sim.unlistedRefunds = false;
    }
  });
});
