import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { listAssistCancels } from '../../src/db/assist-cancel-requests.js';
import { GatewayTimeoutError, type RefundRequest } from '../../src/gateways/types.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { refundOf } from '../support/refund-fixtures.js';
import { writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { stoppedBySystem } from '../support/stopped-subscription.js';
import { type AssistSimulator, startAssistSimulator } from '../support/assist-simulator/server.js';
import { ASSIST_LIVE_ACCOUNT, ASSIST_TEST_ACCOUNT, assistEntry, assistLiveEnv } from '../support/assist-simulator/entry.js';

/**
 * The assist adapter on the real API and worker against a simulator of Assist's protocol (its
 * test and production servers as two merchant accounts): the hosted form, the notification and
 * its answer, the order state query, and recurring charges by the first payment's bill number.
 */
describe('payments and subscriptions through Assist (simulated)', () => {
  let sim: AssistSimulator;
  let stack: TestStack;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  before(async () => {
    sim = await startAssistSimulator([{ ...ASSIST_TEST_ACCOUNT }, { ...ASSIST_LIVE_ACCOUNT }]);
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([assistEntry({ test: sim.url, live: sim.url })]), ...assistLiveEnv });
    for (const m of sim.books.merchants) m.notifyUrl = `${stack.baseUrl}/v1/callbacks/assist`;
  });
  after(async () => {
    await stack?.close();
    await sim?.close();
  });

  /** The payer at Assist's form: opens it (the order is created "In Process") and presses a button. */
  async function payAtAssist(checkoutUrl: string, decision: 'approve' | 'decline') {
    const page = await fetch(checkoutUrl);
    const html = await page.text();
    assert.equal(page.status, 200, html);
    const billnumber = /data-billnumber="(\d+)"/.exec(html)?.[1] ?? '';
    const done = await fetch(`${sim.url}/sim/pay`, { method: 'POST', headers: form, body: new URLSearchParams({ billnumber, decision }).toString(), redirect: 'manual' });
    assert.equal(done.status, 303);
    return { billnumber, returnedTo: done.headers.get('location') ?? '' };
  }
  const paymentRow = async (id: string) => (await stack.pool.query('SELECT status, mode, gateway_transaction_id, payment_method_token, payment_method_expires FROM payments WHERE id = $1', [id])).rows[0];
  const settled = (id: string) => waitFor(`payment ${id} to be decided`, async () => {
    const r = await paymentRow(id);
    return r?.status !== 'pending' ? r : undefined;
  });

  it('pays a payment link through Assist’s form; the signed notification is answered as Assist expects and the link is paid', async () => {
    const customer = await createCustomer(stack);
    const link = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 12_345, currency: 'RUB', description: 'Internet, December' } });
    assert.equal(link.status, 201, link.text);
    const pay = await stack.request('POST', `/pay/${link.json.token}`, { key: null, raw: 'gateway=assist', headers: form });
    assert.equal(pay.status, 303, pay.text);
    const checkout = new URL(pay.headers.get('location') ?? '');
    assert.equal(`${checkout.origin}${checkout.pathname}`, `${sim.url}/pay/order.cfm`);
    assert.equal(checkout.searchParams.get('OrderAmount'), '123.45');
    const paymentId = checkout.searchParams.get('OrderNumber') ?? '';
    const { billnumber, returnedTo } = await payAtAssist(checkout.toString(), 'approve');
    assert.match(returnedTo, new RegExp(`/result/${paymentId}$`));
    const sent = sim.notifications.find((n) => n.orderNumber === paymentId);
    assert.equal(sent?.status, 200);
    assert.match(sent?.body ?? '', new RegExp(`<pushpaymentresult firstcode="0" secondcode="0"><order><billnumber>${billnumber}</billnumber>`));
    const paid = await settled(paymentId);
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.gateway_transaction_id, billnumber);
    const journal = await waitFor('the notification to be delivered', async () => {
      const r = (await stack.pool.query("SELECT outcome, event_id FROM inbound_requests WHERE source = 'assist' AND payment_id = $1", [paymentId])).rows[0];
      return r?.outcome === 'delivered' ? r : undefined;
    });
    assert.equal(journal.event_id, `${billnumber}:Approved`);
    assert.equal((await stack.request('GET', `/v1/payment-links/${link.json.id}`)).json.status, 'paid');
  });

  it('refuses and journals a notification with a wrong checkvalue, and one signed by the other mode’s account; the payment stays pending', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB' });
    await fetch(payment.checkout_url); // the order exists at Assist, In Process
    const [order] = sim.books.byOrderNumber(ASSIST_TEST_ACCOUNT.merchantId, payment.id);
    assert.ok(order);
    const post = (fields: Record<string, string>) => stack.request('POST', '/v1/callbacks/assist', { key: null, raw: new URLSearchParams(fields).toString(), headers: form });

    const forged = { ...sim.notificationFields({ ...order, state: 'Approved' }, ASSIST_TEST_ACCOUNT), checkvalue: 'A'.repeat(32) };
    const bad = await post(forged);
    assert.equal(bad.status, 401);
    assert.match(bad.text, /<pushpaymentresult firstcode="1" secondcode="401"\/>/);

    const live = sim.notificationFields({ ...order, merchantId: ASSIST_LIVE_ACCOUNT.merchantId, state: 'Approved' }, ASSIST_LIVE_ACCOUNT);
    const otherMode = await post(live);
    assert.equal(otherMode.status, 401, otherMode.text);

    const rows = (await stack.pool.query("SELECT outcome, outcome_detail FROM inbound_requests WHERE source = 'assist' AND body LIKE $1 ORDER BY id", [`%ordernumber=${payment.id}%`])).rows;
    assert.deepEqual(rows.map((r) => r.outcome), ['rejected_signature', 'rejected_signature']);
    assert.match(rows[0].outcome_detail, /computes this checkvalue/);
    assert.match(rows[1].outcome_detail, /signed with the live secret, but payment .* runs in test mode/);
    assert.equal((await paymentRow(payment.id)).status, 'pending');
  });

  it('fails a payment Assist reports paid for another amount (the payer edited OrderAmount): amount_mismatch, never succeeded', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB', amount: 12_345 });
    await fetch(payment.checkout_url); // the order exists at Assist, In Process
    const [order] = sim.books.byOrderNumber(ASSIST_TEST_ACCOUNT.merchantId, payment.id);
    assert.ok(order);
    // What Assist signs after the payer paid a form whose OrderAmount was changed to 0.01.
    const paid = sim.notificationFields({ ...order, amount: '0.01', state: 'Approved', responsecode: 'AS000', message: 'Approved' }, ASSIST_TEST_ACCOUNT);
    const res = await stack.request('POST', '/v1/callbacks/assist', { key: null, raw: new URLSearchParams(paid).toString(), headers: form });
    assert.equal(res.status, 200, res.text);
    const row = await settled(payment.id);
    assert.equal(row.status, 'failed');
    const detail = (await stack.pool.query('SELECT gateway_code, gateway_message FROM payments WHERE id = $1', [payment.id])).rows[0];
    assert.equal(detail.gateway_code, 'amount_mismatch');
    assert.match(detail.gateway_message, /reports 1 minor units of RUB paid; the payment is 12345 RUB/);
  });

  it('a declined one-time payment stays pending: the payer tries again on the same order number and pays', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB' });
    await payAtAssist(payment.checkout_url, 'decline');
    const declined = sim.notifications.find((n) => n.orderNumber === payment.id && n.state === 'Declined');
    assert.equal(declined?.status, 200, 'taken (journaled, ignored), so Assist stops sending it');
    assert.equal((await paymentRow(payment.id)).status, 'pending');
    const { billnumber } = await payAtAssist(payment.checkout_url, 'approve');
    const paid = await settled(payment.id);
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.gateway_transaction_id, billnumber);
  });

  it('asks orderstate.cfm from the payment’s own creation, so a payment older than a month is still found', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB' });
    await fetch(payment.checkout_url);
    const [order] = sim.books.byOrderNumber(ASSIST_TEST_ACCOUNT.merchantId, payment.id);
    assert.ok(order);
    const old = new Date(Date.now() - 40 * 86_400_000);
    Object.assign(order, { state: 'Approved', responsecode: 'AS000', message: 'Approved', createdAt: old });
    await stack.pool.query('UPDATE payments SET created_at = $2 WHERE id = $1', [payment.id, old]);
    const gateway = stack.deps.gateways.get('assist');
    const outcome = await gateway?.paymentStatus?.({ id: payment.id, mode: 'test' });
    assert.equal(outcome?.status, 'succeeded', 'found although made 40 days ago');
    assert.equal(outcome?.gatewayTransactionId, order.billnumber);
  });

  it('resolves a payment whose notification never came by the order state query', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB', expires_in: 'PT10S' });
    sim.silent.add(payment.id);
    const { billnumber } = await payAtAssist(payment.checkout_url, 'approve');
    assert.equal(sim.notifications.some((n) => n.orderNumber === payment.id), false);
    const paid = await settled(payment.id);
    assert.equal(paid.status, 'succeeded', 'asked orderstate.cfm before giving up at the deadline');
    assert.equal(paid.gateway_transaction_id, billnumber);
  });

  /** A first payment that saves the card, and the subscription it starts (due now). */
  async function subscribed(terms: { amount?: number; retry_schedule?: string[] } = {}) {
    const customer = await createCustomer(stack);
    const first = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB', save_card: true, amount: 4999 });
    assert.equal(new URL(first.checkout_url).searchParams.get('RecurringIndicator'), '1');
    const { billnumber } = await payAtAssist(first.checkout_url, 'approve');
    const paid = await settled(first.id);
    assert.equal(paid.payment_method_token, `assist_bill:${billnumber}`, 'only the first payment’s bill number is kept');
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: { customer_id: customer.id, gateway: 'assist', payment_method: { payment_id: first.id }, amount: 4999, currency: 'RUB', schedule: { kind: 'interval', duration: 'PT1H' }, first_charge_at: new Date().toISOString(), ...terms },
    });
    assert.equal(sub.status, 201, sub.text);
    const attempt = await waitFor('the first recurring charge', async () => {
      const r = (await stack.pool.query('SELECT idempotency_key, status, gateway_transaction_id FROM charge_attempts WHERE subscription_id = $1', [sub.json.id])).rows[0];
      return r && r.status !== 'pending' ? r : undefined;
    }, 30_000);
    return { billnumber, attempt, subscriptionId: sub.json.id as string };
  }

  it('charges a subscription by the first payment’s bill number, the attempt key as Assist’s OrderNumber', async () => {
    const { billnumber, attempt } = await subscribed();
    assert.equal(attempt.status, 'succeeded');
    const orders = sim.books.byOrderNumber(ASSIST_TEST_ACCOUNT.merchantId, attempt.idempotency_key);
    assert.equal(orders.length, 1);
    assert.equal(orders[0]?.parentBill, billnumber);
    assert.equal(orders[0]?.amount, '49.99');
    assert.equal(attempt.gateway_transaction_id, orders[0]?.billnumber);
  });

  it('a recurring charge rp.cfm declines with a hard response code (AS104, wrong expiry) stops the subscription after one attempt', async () => {
    sim.declineCodes.set('41.04', 'AS104');
    const { subscriptionId, billnumber } = await subscribed({ amount: 4104, retry_schedule: ['PT1S', 'PT1S'] });
    const { sub, attempts, events } = await stoppedBySystem(stack.pool, subscriptionId);
    assert.deepEqual(sub, { state: 'system_stopped', stopped_reason: 'hard_decline' });
    assert.deepEqual(attempts.map((a) => [a.status, a.outcome, a.gateway_code]), [['failed', 'hard_decline', 'AS104']], 'one attempt, no retry');
    assert.deepEqual(events.map((e) => e.type), ['subscription.created', 'subscription.charge_failed', 'subscription.stopped']);
    assert.equal(sim.books.orders.filter((o) => o.parentBill === billnumber).length, 1, 'Assist was asked once');
  });

  it('a recurring charge rp.cfm declines with a soft response code (AS100) is retried by the schedule until it runs out', async () => {
    sim.declineCodes.set('41.00', 'AS100');
    const { subscriptionId, billnumber } = await subscribed({ amount: 4100, retry_schedule: ['PT1S'] });
    const { sub, attempts } = await stoppedBySystem(stack.pool, subscriptionId);
    assert.deepEqual(sub, { state: 'system_stopped', stopped_reason: 'retries_exhausted' });
    assert.deepEqual(attempts.map((a) => [a.status, a.outcome, a.gateway_code]), [['failed', 'soft_decline', 'AS100'], ['failed', 'soft_decline', 'AS100']], 'the first try and one retry');
    assert.equal(sim.books.orders.filter((o) => o.parentBill === billnumber).length, 2, 'Assist was asked twice');
  });

  it('resolves a recurring charge whose answer was lost by the order state query, and charges it once', async () => {
    sim.dropAnswers.add('rp');
    sim.uniqueOrderNumbers = false; // so that a second rp.cfm with the key would be a second charge, not a refusal
    const { attempt } = await subscribed().finally(() => {
      sim.uniqueOrderNumbers = true;
    });
    assert.equal(sim.dropAnswers.has('rp'), false, 'the answer was dropped');
    assert.equal(attempt.status, 'succeeded');
    const orders = sim.books.byOrderNumber(ASSIST_TEST_ACCOUNT.merchantId, attempt.idempotency_key);
    assert.equal(orders.length, 1, 'one order at Assist for the attempt key: no second charge');
    assert.equal(sim.books.approved().filter((o) => o.orderNumber === attempt.idempotency_key).length, 1);
  });

  for (const unique of [true, false]) {
    it(`a lost rp.cfm answer that orderstate does not show yet is asked about again, never sent again (unique order numbers ${unique ? 'on' : 'off'})`, async () => {
      sim.dropAnswers.add('rp');
      sim.hideNextOrderStates = 2; // the ask after the lost answer and the retry's first ask find nothing
      sim.uniqueOrderNumbers = unique;
      const { billnumber, attempt } = await subscribed().finally(() => {
        sim.uniqueOrderNumbers = true;
      });
      const decided = await waitFor('the attempt to be decided', async () => {
        const r = (await stack.pool.query('SELECT status FROM charge_attempts WHERE idempotency_key = $1', [attempt.idempotency_key])).rows[0];
        return r?.status === 'succeeded' || r?.status === 'failed' ? r : undefined;
      }, 30_000);
      assert.equal(decided.status, 'succeeded');
      assert.equal(sim.hideNextOrderStates, 0, 'orderstate answered empty twice');
      const charges = sim.books.orders.filter((o) => o.parentBill === billnumber);
      assert.deepEqual(charges.map((o) => o.orderNumber), [attempt.idempotency_key], 'exactly one recurring order in the simulator’s books');
    });
  }

  /** A payment the payer approved at Assist's form, once Tollgate has it succeeded: its id and bill. */
  async function paidThroughAssist(amount: number) {
    const customer = await createCustomer(stack);
    const p = await createPayment(stack, customer.id, { gateway: 'assist', currency: 'RUB', amount });
    const { billnumber } = await payAtAssist(p.checkout_url, 'approve');
    assert.equal((await settled(p.id)).status, 'succeeded');
    return { id: p.id, billnumber };
  }
  const refundThroughApi = async (paymentId: string, body: Record<string, unknown>) => {
    const res = await stack.request('POST', `/v1/payments/${paymentId}/refunds`, { body, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    return waitFor(`refund ${res.json.id} to be decided`, async () => {
      const r = (await stack.pool.query('SELECT id, status, amount_minor, gateway_refund_id FROM refunds WHERE id = $1', [res.json.id])).rows[0];
      return r?.status === 'pending' ? undefined : r;
    }, 40_000);
  };
  const refundedMinor = async (paymentId: string) => (await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [paymentId])).rows[0].refunded_minor as bigint;

  it('refunds an Assist payment through the API in two parts with cancel.cfm: the ledger and Assist’s books agree', async () => {
    const p = await paidThroughAssist(12_345);
    const first = await refundThroughApi(p.id, { amount: 2_345, reason: 'one month back' });
    assert.deepEqual([first.status, first.amount_minor], ['succeeded', 2_345n]);
    assert.equal(first.gateway_refund_id, `${p.billnumber}.2`, 'the cancel operation’s extended bill number');
    assert.equal(sim.books.byBill(p.billnumber)?.state, 'PartialCanceled');
    const rest = await refundThroughApi(p.id, { reason: 'the rest' });
    assert.deepEqual([rest.status, rest.amount_minor], ['succeeded', 10_000n]);
    assert.equal(sim.books.byBill(p.billnumber)?.state, 'Canceled');
    assert.equal(await refundedMinor(p.id), 12_345n);
    assert.equal((await stack.request('GET', `/v1/payments/${p.id}`)).json.refunded_amount, 12_345);
    assert.deepEqual(sim.books.cancels.filter((c) => c.billnumber === p.billnumber).map((c) => c.amount), ['23.45', '100.00'], 'the simulator’s books: two refunds, the right amounts');
    assert.deepEqual((await listAssistCancels(stack.pool, p.billnumber)).map((c) => [c.amount_minor, c.state_before, c.status]), [[2_345n, 'Approved', 'succeeded'], [10_000n, 'PartialCanceled', 'succeeded']]);
  });

  it('a refund whose cancel.cfm answer was lost is resolved from the order state, and the same key is never sent again', async () => {
    const p = await paidThroughAssist(50_000);
    const row = await refundOf(stack.pool, p.id, 20_000n);
    const gateway = stack.deps.gateways.get('assist');
    assert.ok(gateway && typeof gateway.refund === 'function' && typeof gateway.refundStatus === 'function');
    const req: RefundRequest = {
      idempotencyKey: row.idempotency_key, refundId: row.id, amountMinor: 20_000n, currency: 'RUB', mode: 'test',
      original: { paymentId: p.id, transactionId: p.billnumber, ids: {} }, reason: 'test',
    };
    assert.equal(await gateway.refundStatus(req.idempotencyKey, 'test'), undefined, 'never sent: never seen');
    sim.dropAnswers.add('cancel');
    await assert.rejects(gateway.refund(req), GatewayTimeoutError);
    assert.equal(sim.dropAnswers.has('cancel'), false, 'the answer was indeed lost');
    // Approved before the send, PartialCanceled now, and no other cancellation of the bill was open: this one's.
    assert.equal((await gateway.refundStatus(req.idempotencyKey, 'test'))?.status, 'succeeded');
    assert.equal((await gateway.refund(req)).status, 'succeeded', 'a retry answers from the record');
    const cancels = sim.books.cancels.filter((c) => c.billnumber === p.billnumber);
    assert.deepEqual(cancels.map((c) => c.amount), ['200.00'], 'the simulator’s books: one refund');
  });

  it('a lost partial answer of an order cancelled in part before stays pending, asked about and never sent again', async () => {
    const p = await paidThroughAssist(30_000);
    const gateway = stack.deps.gateways.get('assist');
    assert.ok(gateway && typeof gateway.refund === 'function' && typeof gateway.refundStatus === 'function');
    const request = async (amount: bigint): Promise<RefundRequest> => {
      const row = await refundOf(stack.pool, p.id, amount);
      return { idempotencyKey: row.idempotency_key, refundId: row.id, amountMinor: amount, currency: 'RUB', mode: 'test', original: { paymentId: p.id, transactionId: p.billnumber, ids: {} }, reason: 'test' };
    };
    const first = await request(10_000n);
    assert.equal((await gateway.refund(first)).status, 'succeeded');
    const second = await request(5_000n);
    const third = await request(5_000n);
    sim.dropAnswers.add('cancel');
    await assert.rejects(gateway.refund(second), GatewayTimeoutError);
    await assert.rejects(gateway.refund(third), /another cancellation of bill .* is unresolved/, 'one unresolved cancellation per bill: the next waits');
    assert.equal((await gateway.refundStatus(second.idempotencyKey, 'test'))?.status, 'pending', 'PartialCanceled before and after: not provable, so not guessed');
    assert.equal((await gateway.refund(second)).status, 'pending');
    assert.deepEqual(sim.books.cancels.filter((c) => c.billnumber === p.billnumber).map((c) => c.amount), ['100.00', '50.00'], 'sent once; the waiting one never sent');
  });

  it('refunds part of a recurring charge through the API: cancel.cfm with the charge’s own bill, found under the attempt key', async () => {
    const { attempt } = await subscribed();
    assert.equal(attempt.status, 'succeeded');
    const ids = (await stack.pool.query('SELECT id::text AS id, subscription_id FROM charge_attempts WHERE idempotency_key = $1', [attempt.idempotency_key])).rows[0];
    const res = await stack.request('POST', `/v1/subscriptions/${ids.subscription_id}/charge-attempts/${ids.id}/refunds`, { body: { amount: 999, reason: 'a day of outage' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    const done = await waitFor('the refund to be decided', async () => {
      const r = (await stack.pool.query('SELECT status, amount_minor FROM refunds WHERE id = $1', [res.json.id])).rows[0];
      return r?.status === 'pending' ? undefined : r;
    }, 40_000);
    assert.deepEqual([done.status, done.amount_minor], ['succeeded', 999n]);
    assert.equal((await stack.pool.query('SELECT refunded_minor FROM charge_attempts WHERE id = $1::bigint', [ids.id])).rows[0].refunded_minor, 999n);
    assert.deepEqual(sim.books.cancels.filter((c) => c.billnumber === attempt.gateway_transaction_id).map((c) => [c.orderNumber, c.amount]), [[attempt.idempotency_key, '9.99']]);
    assert.equal(sim.books.byBill(attempt.gateway_transaction_id)?.state, 'PartialCanceled');
  });
});
