import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { ChargeUndecidedError, GatewayTimeoutError, isRecurringGateway, type RefundRequest } from '../../src/gateways/types.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { refundOf } from '../support/refund-fixtures.js';
import { UNITELLER_LIVE_API_PASSWORD, UNITELLER_LIVE_PASSWORD, UNITELLER_TEST_API_PASSWORD, UNITELLER_TEST_PASSWORD, unitellerEntry, unitellerEnv, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { stoppedBySystem } from '../support/stopped-subscription.js';
import { startUnitellerSimulator, type UnitellerSimulator } from '../support/uniteller-simulator.js';

/**
 * Uniteller end to end on the real API and worker against the protocol simulator
 * (test/support/uniteller-simulator.ts), which checks Tollgate's signatures with its own code and
 * keeps books of what it charged. Uniteller itself was never reachable from here.
 */
describe('the uniteller gateway against its simulator', () => {
  let stack: TestStack;
  let sim: UnitellerSimulator;

  before(async () => {
    sim = await startUnitellerSimulator([
      { shopIdp: '00012345', password: UNITELLER_TEST_PASSWORD, login: 'test-login', apiPassword: UNITELLER_TEST_API_PASSWORD },
      { shopIdp: '00067890', password: UNITELLER_LIVE_PASSWORD, login: 'live-login', apiPassword: UNITELLER_LIVE_API_PASSWORD },
    ]);
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([unitellerEntry(sim.url)]), ...unitellerEnv });
    sim.notifyUrl = `${stack.baseUrl}/v1/callbacks/uniteller`;
  });
  after(async () => {
    await stack?.close();
    await sim?.close();
  });

  const payment = async (id: string) => (await stack.pool.query('SELECT status, mode, gateway_session_id, gateway_transaction_id, payment_method_token FROM payments WHERE id = $1', [id])).rows[0];
  const succeeded = (id: string) => waitFor(`payment ${id} to succeed`, async () => ((await payment(id))?.status === 'succeeded' ? payment(id) : undefined), 40_000);
  /** The payer at Uniteller's page: opens the URL Tollgate gave (the simulator checks its Signature) and presses a button. */
  const payAtUniteller = async (checkoutUrl: string, verdict: 'approve' | 'decline') => {
    const page = await fetch(checkoutUrl);
    assert.equal(page.status, 200, await page.clone().text());
    const orderId = new URL(checkoutUrl).searchParams.get('Order_IDP') ?? '';
    const decided = await fetch(`${sim.url}/pay/decide`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Order_IDP: orderId, verdict }).toString() });
    assert.equal(decided.status, 303);
    return { orderId, returnTo: decided.headers.get('location') ?? '' };
  };
  const postCallback = (fields: Record<string, string>) =>
    stack.request('POST', '/v1/callbacks/uniteller', { key: null, raw: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const signed = async (orderId: string, status: string, password: string) => {
    const { callbackSignature } = await import('../../src/gateways/uniteller/signature.js');
    return { Order_ID: orderId, Status: status, Signature: callbackSignature(orderId, status, password) };
  };

  it('a payment link paid through Uniteller: the signed page, the payer’s approval, the signed notification, a paid link', async () => {
    const customer = await createCustomer(stack);
    const link = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 181_500, currency: 'RUB', description: 'Internet, December', customer: { name: 'Jan Kowalski' } } });
    assert.equal(link.status, 201, link.text);
    const pay = await stack.request('POST', `/pay/${link.json.token}`, { key: null, raw: 'gateway=uniteller', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(pay.status, 303, pay.text);
    const checkoutUrl = pay.headers.get('location') ?? '';
    const page = new URL(checkoutUrl);
    assert.equal(`${page.origin}${page.pathname}`, `${sim.url}/pay/`);
    assert.equal(page.searchParams.get('Shop_IDP'), '00012345', 'the test shop: the gateway runs in test mode');
    assert.equal(page.searchParams.get('Subtotal_P'), '1815.00');
    assert.equal(page.searchParams.get('Currency'), 'RUB');
    const { orderId, returnTo } = await payAtUniteller(checkoutUrl, 'approve');
    assert.match(orderId, /^pay_[A-Za-z0-9_-]+$/);
    assert.equal(new URL(returnTo).pathname, `/pay/${link.json.token}/result/${orderId}`);
    const paid = await succeeded(orderId);
    assert.equal(paid.gateway_session_id, orderId);
    assert.equal(paid.payment_method_token, null, 'a payment that did not start recurring payments keeps no payment method');
    assert.deepEqual(sim.notifications.filter((n) => n.fields.Order_ID === orderId).map((n) => [n.fields.Status, n.status]), [['authorized', 200]]);
    const journal = await stack.pool.query("SELECT outcome FROM inbound_requests WHERE source = 'uniteller' AND body LIKE $1", [`Order_ID=${orderId}&%`]);
    assert.deepEqual(journal.rows.map((r) => r.outcome), ['delivered']);
    assert.equal((await stack.request('GET', `/v1/payment-links/${link.json.id}`)).json.status, 'paid');
  });

  it('refuses and journals a notification with a wrong Signature, and one signed with the other mode’s password', async () => {
    const customer = await createCustomer(stack);
    const p = await createPayment(stack, customer.id, { gateway: 'uniteller', currency: 'RUB' });
    const forged = await postCallback({ Order_ID: p.id, Status: 'paid', Signature: 'D78EAB75BF9BEBDC710D77D2AE04593A' });
    assert.equal(forged.status, 401, forged.text);
    assert.equal(forged.json.code, 'bad_signature');
    const live = await postCallback(await signed(p.id, 'paid', UNITELLER_LIVE_PASSWORD));
    assert.equal(live.status, 401, live.text);
    assert.match(live.json.detail, /signed with the live secret, but payment .* runs in test mode/);
    const rows = await stack.pool.query("SELECT outcome, outcome_detail FROM inbound_requests WHERE source = 'uniteller' AND body LIKE $1 ORDER BY id", [`Order_ID=${p.id}&%`]);
    assert.deepEqual(rows.rows.map((r) => r.outcome), ['rejected_signature', 'rejected_signature']);
    assert.equal((await payment(p.id)).status, 'pending', 'neither changed the payment');
  });

  it('a payment whose notification never came is resolved by the results request', async () => {
    const customer = await createCustomer(stack);
    const p = await createPayment(stack, customer.id, { gateway: 'uniteller', currency: 'RUB', amount: 50_000, expires_in: 'PT10S' });
    sim.dropNotifications = true;
    try {
      await payAtUniteller(p.checkout_url, 'approve');
    } finally {
      sim.dropNotifications = false;
    }
    const paid = await succeeded(p.id);
    assert.equal(paid.gateway_transaction_id, p.id);
    assert.ok(sim.requests.some((r) => r.path === '/results/' && r.fields.ShopOrderNumber === p.id && r.fields.Login === 'test-login'), 'the workflow asked /results/ for the order');
    assert.equal(sim.notifications.filter((n) => n.fields.Order_ID === p.id).length, 0);
  });

  it('a results request whose Total is not the payment’s amount fails the payment amount_mismatch, never succeeded', async () => {
    const customer = await createCustomer(stack);
    const p = await createPayment(stack, customer.id, { gateway: 'uniteller', currency: 'RUB', amount: 50_000, expires_in: 'PT10S' });
    sim.dropNotifications = true;
    try {
      const { orderId } = await payAtUniteller(p.checkout_url, 'approve');
      const order = sim.orders.get(orderId);
      assert.ok(order);
      order.amount = '0.01'; // what Uniteller's books say was paid
    } finally {
      sim.dropNotifications = false;
    }
    const row = await waitFor('the payment to be decided', async () => {
      const r = (await stack.pool.query('SELECT status, gateway_code, gateway_message FROM payments WHERE id = $1', [p.id])).rows[0];
      return r?.status !== 'pending' ? r : undefined;
    }, 40_000);
    assert.deepEqual([row.status, row.gateway_code], ['failed', 'amount_mismatch']);
    assert.match(row.gateway_message, /reports 1 minor units of RUB paid; the payment is 50000 RUB/);
  });

  /** A first payment that keeps the card: its order (…:recurrent) is the subscription's payment method. */
  const firstPayment = async (customerId: string) => {
    const p = await createPayment(stack, customerId, { gateway: 'uniteller', currency: 'RUB', amount: 4999, save_card: true });
    assert.equal(new URL(p.checkout_url).searchParams.get('IsRecurrentStart'), '1');
    const { orderId } = await payAtUniteller(p.checkout_url, 'approve');
    const paid = await succeeded(p.id);
    assert.equal(orderId, `${p.id}:recurrent`);
    assert.equal(paid.payment_method_token, orderId, 'only a reference to the first payment is stored');
    return p;
  };
  const subscribe = async (customerId: string, paymentId: string, extra: Record<string, unknown> = {}) => {
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: { customer_id: customerId, gateway: 'uniteller', payment_method: { payment_id: paymentId }, amount: 4999, currency: 'RUB', schedule: { kind: 'interval', duration: 'PT1H' }, first_charge_at: new Date().toISOString(), ...extra },
    });
    assert.equal(sub.status, 201, sub.text);
    return sub.json as { id: string };
  };
  const settledAttempt = (subscriptionId: string) =>
    waitFor('the charge attempt to be decided', async () => {
      const r = await stack.pool.query('SELECT idempotency_key, status, outcome, gateway_transaction_id, gateway_intent_id FROM charge_attempts WHERE subscription_id = $1 ORDER BY created_at', [subscriptionId]);
      return r.rows[0] && r.rows[0].status !== 'pending' && r.rows[0].status !== 'unknown' ? r.rows[0] : undefined;
    }, 40_000);

  it('a subscription’s recurring charge names the first payment as Parent_Order_IDP, with the attempt key as its order', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    const sub = await subscribe(customer.id, first.id);
    const attempt = await settledAttempt(sub.id);
    assert.equal(attempt.status, 'succeeded');
    const sent = sim.requests.filter((r) => r.path === '/recurrent/' && r.fields.Order_IDP === attempt.idempotency_key);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.fields.Parent_Order_IDP, `${first.id}:recurrent`);
    assert.equal(sent[0]?.fields.Subtotal_P, '49.99');
    assert.equal(attempt.gateway_intent_id, attempt.idempotency_key);
    assert.deepEqual(sim.charges.filter((c) => c.orderId === attempt.idempotency_key), [{ orderId: attempt.idempotency_key, amount: '49.99', parent: `${first.id}:recurrent` }]);
  });

  it('a recurring charge declined with a hard Response_Code (AS104, expired card) stops the subscription at once, as a sandbox hard decline does', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    sim.declineCodes.set('41.04', 'AS104');
    const sub = await subscribe(customer.id, first.id, { amount: 4104, retry_schedule: ['PT1S', 'PT1S'] });
    const { sub: stopped, attempts, events } = await stoppedBySystem(stack.pool, sub.id);
    assert.deepEqual(stopped, { state: 'system_stopped', stopped_reason: 'hard_decline' });
    assert.deepEqual(attempts.map((a) => [a.status, a.outcome, a.gateway_code]), [['failed', 'hard_decline', 'AS104']], 'one attempt, no retry');
    assert.deepEqual(events.map((e) => e.type), ['subscription.created', 'subscription.charge_failed', 'subscription.stopped']);
    assert.equal(events[2]?.payload.reason, 'hard_decline');
    assert.equal(sim.requests.filter((r) => r.path === '/recurrent/' && r.fields.Parent_Order_IDP === `${first.id}:recurrent`).length, 1, 'sent once');
  });
  it('a recurring charge declined with a soft Response_Code (AS102, insufficient funds) is retried by the schedule until it runs out', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    sim.declineCodes.set('41.02', 'AS102');
    const sub = await subscribe(customer.id, first.id, { amount: 4102, retry_schedule: ['PT1S'] });
    const { sub: stopped, attempts, events } = await stoppedBySystem(stack.pool, sub.id);
    assert.deepEqual(stopped, { state: 'system_stopped', stopped_reason: 'retries_exhausted' });
    assert.deepEqual(attempts.map((a) => [a.status, a.outcome, a.gateway_code]), [['failed', 'soft_decline', 'AS102'], ['failed', 'soft_decline', 'AS102']], 'the first try and one retry');
    assert.deepEqual(events.map((e) => e.type), ['subscription.created', 'subscription.charge_failed', 'subscription.past_due', 'subscription.charge_failed', 'subscription.stopped']);
    assert.equal(events[4]?.payload.reason, 'retries_exhausted');
  });

  it('a recurring charge whose answer was lost is resolved by the results request, and charged once', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    sim.loseNextRecurrentAnswer = true;
    const sub = await subscribe(customer.id, first.id);
    const attempt = await settledAttempt(sub.id);
    assert.equal(sim.loseNextRecurrentAnswer, false, 'the answer was indeed lost');
    assert.equal(attempt.status, 'succeeded');
    assert.equal(sim.requests.filter((r) => r.path === '/recurrent/' && r.fields.Order_IDP === attempt.idempotency_key).length, 1, 'asked about, never sent again');
    assert.ok(sim.requests.some((r) => r.path === '/results/' && r.fields.ShopOrderNumber === attempt.idempotency_key));
    assert.equal(sim.charges.filter((c) => c.orderId === attempt.idempotency_key).length, 1, 'the simulator’s books show one charge');
  });
  it('a lost recurring answer whose order the results request does not show yet is asked about again, never sent again: one charge', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    sim.loseNextRecurrentAnswer = true;
    sim.hideNextRecurrentResults = 3; // the ask after the lost answer, and the retries' asks (or a repeat's, refused as a duplicate)
    const sub = await subscribe(customer.id, first.id);
    const attempts = await waitFor('the charge attempt to be decided', async () => {
      const r = await stack.pool.query('SELECT idempotency_key, status FROM charge_attempts WHERE subscription_id = $1 ORDER BY created_at', [sub.id]);
      return r.rows.some((a) => a.status === 'succeeded' || a.status === 'failed') ? r.rows : undefined;
    }, 40_000);
    assert.equal(sim.hideNextRecurrentResults, 0, 'the results request answered empty three times');
    assert.deepEqual(attempts.map((a) => a.status), ['succeeded'], 'one attempt, no soft decline and a new key');
    assert.equal(sim.requests.filter((r) => r.path === '/recurrent/' && r.fields.Order_IDP === attempts[0]?.idempotency_key).length, 1, 'sent once');
    assert.deepEqual(sim.charges.filter((c) => c.parent === `${first.id}:recurrent`).map((c) => c.orderId), [attempts[0]?.idempotency_key], 'the simulator’s books show one charge');
  });
  it('a repeated recurring request is refused by Uniteller as a duplicate order and answered from the results: one charge', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    const gateway = stack.deps.gateways.get('uniteller');
    assert.ok(gateway && isRecurringGateway(gateway));
    const req = { idempotencyKey: `sub_Direct${Date.now()}:1:1`, token: `${first.id}:recurrent`, amountMinor: 1250n, currency: 'RUB', mode: 'test' as const };
    const once = await gateway.charge(req);
    const twice = await gateway.charge(req);
    assert.deepEqual([once.outcome, twice.outcome], ['success', 'success']);
    assert.equal(twice.transactionId, once.transactionId, 'the same Uniteller order');
    assert.equal(sim.charges.filter((c) => c.orderId === req.idempotencyKey).length, 1);
    assert.deepEqual(await gateway.chargeStatus(req.idempotencyKey, 'test'), once);
    await assert.rejects(gateway.chargeStatus(`sub_Never${Date.now()}:1:1`, 'test'), ChargeUndecidedError, 'no order for a key that may have been sent is undecided, not "never sent"');

    sim.declineAmounts.add('13.13');
    const declined = await gateway.charge({ ...req, idempotencyKey: `${req.idempotencyKey}0`, amountMinor: 1313n });
    assert.deepEqual([declined.outcome, declined.code, declined.message], ['soft_decline', 'AS100', 'Call your bank']);
    sim.declineCodes.set('14.08', 'AS108');
    const stolen = await gateway.charge({ ...req, idempotencyKey: `${req.idempotencyKey}2`, amountMinor: 1408n });
    assert.deepEqual([stolen.outcome, stolen.code], ['hard_decline', 'AS108'], 'suspected fraud (lost, stolen, pick up) is final');
    const asked = await gateway.chargeStatus(`${req.idempotencyKey}2`, 'test');
    assert.deepEqual([asked?.outcome, asked?.code], ['hard_decline', 'AS108'], 'the results request’s Response_Code is read the same way');
    const notParent = await gateway.charge({ ...req, idempotencyKey: `${req.idempotencyKey}1`, token: first.id });
    assert.deepEqual([notParent.outcome, notParent.code], ['hard_decline', 'tollgate_token']);
    assert.equal(sim.requests.filter((r) => r.path === '/recurrent/' && r.fields.Order_IDP === `${req.idempotencyKey}1`).length, 0, 'never sent: no first payment to name');
  });

  /** A payment the payer approved at Uniteller's page, once Tollgate has it succeeded. */
  const paidThroughUniteller = async (amount: number) => {
    const customer = await createCustomer(stack);
    const p = await createPayment(stack, customer.id, { gateway: 'uniteller', currency: 'RUB', amount });
    const { orderId } = await payAtUniteller(p.checkout_url, 'approve');
    await succeeded(p.id);
    return { id: p.id, orderId };
  };
  const refundRow = async (id: string) => (await stack.pool.query('SELECT status, amount_minor, gateway_refund_id, gateway_code FROM refunds WHERE id = $1', [id])).rows[0];

  it('refunds a Uniteller payment through the API: /unblock/ by its order, the ledger and Uniteller’s books show one refund', async () => {
    const p = await paidThroughUniteller(181_500);
    const partial = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { amount: 100, reason: 'a part' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(partial.status, 409, partial.text);
    assert.match(partial.json.detail, /refunds only the whole amount .* lacks partial_refunds/);
    const res = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { reason: 'contract ended' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    const done = await waitFor('the refund to be decided', async () => {
      const r = await refundRow(res.json.id);
      return r?.status === 'pending' ? undefined : r;
    }, 40_000);
    assert.deepEqual([done.status, done.amount_minor], ['succeeded', 181_500n]);
    assert.ok(done.gateway_refund_id, 'Uniteller’s BillNumber of the order');
    assert.equal((await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [p.id])).rows[0].refunded_minor, 181_500n);
    assert.equal((await stack.request('GET', `/v1/payments/${p.id}`)).json.refunded_amount, 181_500);
    const sent = sim.requests.filter((r) => r.path === '/unblock/' && r.fields.OrderID === p.orderId);
    assert.equal(sent.length, 1);
    assert.deepEqual([sent[0]?.fields.Shop_ID, sent[0]?.fields.Subtotal_P, sent[0]?.fields.Currency], ['00012345', '1815.00', 'RUB'], 'the test shop, the whole amount');
    assert.deepEqual(sim.refunds.filter((r) => r.orderId === p.orderId), [{ orderId: p.orderId, amount: '1815.00' }], 'the simulator’s books: one refund');
    const again = await stack.request('POST', `/v1/payments/${p.id}/refunds`, { body: { reason: 'twice' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(again.status, 409, 'nothing is left to refund');
  });

  it('a refund whose answer was lost is found by the results request; the same key sent again does not refund twice', async () => {
    const p = await paidThroughUniteller(50_000);
    const row = await refundOf(stack.pool, p.id);
    const gateway = stack.deps.gateways.get('uniteller');
    assert.ok(gateway && typeof gateway.refund === 'function' && typeof gateway.refundStatus === 'function');
    const req: RefundRequest = {
      idempotencyKey: row.idempotency_key, refundId: row.id, amountMinor: row.amount_minor, currency: 'RUB', mode: 'test',
      original: { paymentId: p.id, transactionId: row.original_transaction_id, ids: { sessionId: p.orderId } }, reason: 'test',
    };
    assert.equal(await gateway.refundStatus(req.idempotencyKey, 'test'), undefined, 'nothing cancelled yet: never seen');
    sim.loseNextUnblockAnswer = true;
    await assert.rejects(gateway.refund(req), GatewayTimeoutError);
    assert.equal(sim.loseNextUnblockAnswer, false, 'the answer was indeed lost');
    assert.equal((await gateway.refundStatus(req.idempotencyKey, 'test'))?.status, 'succeeded', 'the results request shows the order Canceled');
    const retried = await gateway.refund(req);
    assert.equal(retried.status, 'succeeded');
    assert.equal(sim.requests.filter((r) => r.path === '/unblock/' && r.fields.OrderID === p.orderId).length, 1, 'asked about first, never sent again');
    assert.deepEqual(sim.refunds.filter((r) => r.orderId === p.orderId), [{ orderId: p.orderId, amount: '500.00' }], 'the simulator’s books: one refund');

    // Uniteller itself refuses a second cancellation of the order (16), which reads as the same success.
    const shop = { shopIdp: '00012345', password: UNITELLER_TEST_PASSWORD };
    const { unblockForm, readUnblockAnswer } = await import('../../src/gateways/uniteller/refunds.js');
    const second = await fetch(`${sim.url}/unblock/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(unblockForm(shop, p.orderId, '500.00', 'RUB')).toString() });
    const text = await second.text();
    assert.match(text, /^ErrorCode;ErrorMessage\n16;/);
    assert.deepEqual([readUnblockAnswer(text)?.status, readUnblockAnswer(text)?.code], ['succeeded', 'uniteller_16']);
    assert.equal(sim.refunds.filter((r) => r.orderId === p.orderId).length, 1);
  });

  it('refunds a recurring charge through the API: /unblock/ names the charge’s own order (the attempt key)', async () => {
    const customer = await createCustomer(stack);
    const first = await firstPayment(customer.id);
    const sub = await subscribe(customer.id, first.id);
    const attempt = await settledAttempt(sub.id);
    assert.equal(attempt.status, 'succeeded');
    const id = (await stack.pool.query('SELECT id::text AS id FROM charge_attempts WHERE idempotency_key = $1', [attempt.idempotency_key])).rows[0].id as string;
    const res = await stack.request('POST', `/v1/subscriptions/${sub.id}/charge-attempts/${id}/refunds`, { body: { reason: 'charged by mistake' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    const done = await waitFor('the refund to be decided', async () => {
      const r = await refundRow(res.json.id);
      return r?.status === 'pending' ? undefined : r;
    }, 40_000);
    assert.deepEqual([done.status, done.amount_minor], ['succeeded', 4999n]);
    assert.deepEqual(sim.refunds.filter((r) => r.orderId === attempt.idempotency_key), [{ orderId: attempt.idempotency_key, amount: '49.99' }]);
    assert.equal(sim.refunds.filter((r) => r.orderId === `${first.id}:recurrent`).length, 0, 'the first payment is not touched');
  });
});
