import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '../../src/gateways/standard-webhooks.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

describe('subscriptions over HTTP (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    // The amount hooks below listen on loopback, which outbound calls may reach only when listed.
    stack = await startTestStack({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
  });
  after(async () => {
    await stack?.close();
  });

  async function create(customerId: string, extra: Record<string, unknown> = {}, key?: string) {
    const res = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customerId, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 4999, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'Europe/Warsaw', first_charge_at: new Date().toISOString(), ...extra,
      },
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    });
    return res;
  }

  async function until(id: string, what: string, ok: (s: any) => boolean) {
    return waitFor(`subscription ${id}: ${what}`, async () => {
      const res = await stack.request('GET', `/v1/subscriptions/${id}`);
      return ok(res.json) ? res.json : undefined;
    });
  }

  it('creates, charges on schedule, and shows the history, events and the sandbox ledger', async () => {
    const customer = await createCustomer(stack);
    const key = `sub-${randomUUID()}`;
    const firstChargeAt = new Date().toISOString();
    const created = await create(customer.id, { first_charge_at: firstChargeAt }, key);
    assert.equal(created.status, 201, created.text);
    const id: string = created.json.id;
    assert.equal(created.json.state, 'active');
    assert.equal(created.json.amount, 4999);
    const replay = await create(customer.id, { first_charge_at: firstChargeAt }, key);
    assert.equal(replay.json.id, id, 'same Idempotency-Key, same subscription');

    const charged = await until(id, 'period 0 charged', (s) => s.period === 1);
    assert.equal(charged.attempts.length, 1);
    assert.deepEqual(
      { period: charged.attempts[0].period, attempt: charged.attempts[0].attempt, amount: charged.attempts[0].amount, status: charged.attempts[0].status, code: charged.attempts[0].gateway_code, mode: charged.attempts[0].mode },
      { period: 0, attempt: 0, amount: 4999, status: 'succeeded', code: '00', mode: 'test' },
    );
    assert.equal(Date.parse(charged.next_charge_at) - Date.parse(charged.first_charge_at), 3_600_000);
    const ledger = await stack.request('GET', `/sandbox/ledger?key_prefix=${id}:`);
    assert.deepEqual(ledger.json.data.map((r: any) => [r.idempotency_key, r.amount, r.outcome]), [[`${id}:0:0`, 4999, 'approved']]);
    const events = await stack.request('GET', `/v1/events?aggregate_id=${id}`);
    assert.deepEqual(events.json.data.map((e: any) => e.type), ['subscription.created', 'subscription.charged']);

    // An operator finds it in the Temporal UI by customer, state and next action time.
    const found = await waitFor('the subscription in a visibility query', async () => {
      for await (const wf of stack.deps.temporal.workflow.list({ query: `TollgateKind = 'subscription' AND TollgateCustomerId = '${customer.id}' AND TollgateState = 'active'` })) {
        return wf;
      }
      return undefined;
    });
    assert.equal(found.workflowId, `subscription:${id}`);
    assert.equal(found.typedSearchAttributes.get({ name: 'TollgateAmountMinor', type: 'INT' } as never), 4999);
    assert.equal(
      (found.typedSearchAttributes.get({ name: 'TollgateNextActionAt', type: 'DATETIME' } as never) as Date | undefined)?.toISOString(),
      charged.next_charge_at,
    );
  });

  it('retries a soft decline and recovers; stops on a hard decline', async () => {
    const customer = await createCustomer(stack);
    const soft = await create(customer.id, { payment_method: { token: 'sandbox_soft_decline_1' }, retry_schedule: ['PT1S'] });
    const recovered = await until(soft.json.id, 'recovered', (s) => s.period === 1);
    assert.deepEqual(recovered.attempts.map((a: any) => [a.attempt, a.status, a.gateway_code]), [[0, 'failed', '51'], [1, 'succeeded', '00']]);
    assert.equal(recovered.state, 'active');
    const events = await stack.request('GET', `/v1/events?aggregate_id=${soft.json.id}`);
    assert.deepEqual(events.json.data.map((e: any) => e.type), [
      'subscription.created', 'subscription.charge_failed', 'subscription.past_due', 'subscription.charged', 'subscription.recovered',
    ]);

    const hard = await create(customer.id, { payment_method: { token: 'sandbox_hard_decline' } });
    const stopped = await until(hard.json.id, 'system_stopped', (s) => s.state === 'system_stopped');
    assert.equal(stopped.stopped_reason, 'hard_decline');
    const again = await stack.request('POST', `/v1/subscriptions/${hard.json.id}/stop`);
    assert.equal(again.status, 409);
    assert.match(again.json.detail, /system_stopped/);
  });

  it('enforces the stop / reactivate / resume contract with 409s that say why', async () => {
    const customer = await createCustomer(stack);
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const sub = await create(customer.id, { first_charge_at: future, schedule: { kind: 'monthly', day: 1 } });
    const id = sub.json.id;
    const billing = (await stack.request('POST', '/v1/api-keys', { body: { name: 'billing', scopes: ['billing'] } })).json.key;
    const post = (path: string, key = billing) => stack.request('POST', `/v1/subscriptions/${id}/${path}`, { key });

    const reactivateActive = await post('reactivate');
    assert.equal(reactivateActive.status, 409);
    assert.equal(reactivateActive.headers.get('content-type'), 'application/problem+json');
    assert.match(reactivateActive.json.detail, /only a subscription stopped by its user/);
    assert.equal((await post('stop')).json.state, 'user_stopped');
    assert.equal((await post('stop')).status, 409);
    assert.equal((await post('resume')).status, 403, 'resume is admin only');
    assert.equal((await post('reactivate')).json.state, 'active');
    const adminStop = await post('stop', stack.adminKey);
    assert.equal(adminStop.json.state, 'admin_stopped');
    const userReactivate = await post('reactivate');
    assert.equal(userReactivate.status, 409);
    assert.equal((await post('resume', stack.adminKey)).json.state, 'active');
    const events = await stack.request('GET', `/v1/events?aggregate_id=${id}`);
    assert.deepEqual(events.json.data.map((e: any) => [e.type, e.payload.by ?? null]), [
      ['subscription.created', null], ['subscription.stopped', 'user'], ['subscription.reactivated', 'user'],
      ['subscription.stopped', 'admin'], ['subscription.reactivated', 'admin'],
    ]);
  });

  it('lets a customer token reach only its own customer’s subscriptions', async () => {
    const [a, b] = [await createCustomer(stack), await createCustomer(stack)];
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const subA = (await create(a.id, { first_charge_at: future })).json.id;
    const subB = (await create(b.id, { first_charge_at: future })).json.id;
    const minted = await stack.request('POST', `/v1/customers/${a.id}/tokens`);
    assert.equal(minted.status, 201);
    const token: string = minted.json.token;
    const list = await stack.request('GET', `/v1/subscriptions?customer_id=${b.id}`, { key: token });
    assert.deepEqual(list.json.data.map((s: any) => s.id), [subA], 'the customer filter cannot be widened');
    assert.equal((await stack.request('GET', `/v1/subscriptions/${subB}`, { key: token })).status, 404);
    assert.equal((await stack.request('POST', `/v1/subscriptions/${subB}/stop`, { key: token })).status, 404);
    assert.equal((await stack.request('GET', `/v1/payments/pay_x`, { key: token })).status, 404);
    assert.equal((await stack.request('POST', `/v1/subscriptions/${subA}/charge-now`, { key: token })).status, 404);
    const stopped = await stack.request('POST', `/v1/subscriptions/${subA}/stop`, { key: token });
    assert.equal(stopped.json.state, 'user_stopped');
    assert.equal((await stack.request('POST', `/v1/subscriptions/${subA}/reactivate`, { key: token })).json.state, 'active');
  });

  it('charges an automatic subscription on request and lists by state and charge window', async () => {
    const customer = await createCustomer(stack);
    const auto = await create(customer.id, { schedule: { kind: 'automatic' }, max_amount: 10_000 });
    assert.equal(auto.json.next_charge_at, null);
    const charged = await stack.request('POST', `/v1/subscriptions/${auto.json.id}/charges`, { body: { amount: 1234 }, headers: { 'idempotency-key': `charge-${randomUUID()}` } });
    assert.equal(charged.status, 200, charged.text);
    const after = await stack.request('GET', `/v1/subscriptions/${auto.json.id}`);
    assert.deepEqual(after.json.attempts.map((a: any) => [a.amount, a.status]), [[1234, 'succeeded']]);
    const tooMuch = await stack.request('POST', `/v1/subscriptions/${auto.json.id}/charges`, { body: { amount: 20_000 }, headers: { 'idempotency-key': `charge-${randomUUID()}` } });
    assert.equal(tooMuch.status, 409);

    const listed = await stack.request('GET', `/v1/subscriptions?customer_id=${customer.id}&state=active,past_due`);
    assert.deepEqual(listed.json.data.map((s: any) => s.id), [auto.json.id]);
    const bad = await stack.request('GET', '/v1/subscriptions?state=sleeping');
    assert.equal(bad.status, 400);
  });

  it('resolves a charge whose answer was lost by asking the gateway, never by charging again', async () => {
    const customer = await createCustomer(stack);
    const sub = await create(customer.id, { payment_method: { token: 'sandbox_timeout_then_succeeded' } });
    const done = await until(sub.json.id, 'charged', (s) => s.period === 1);
    assert.deepEqual(done.attempts.map((a: any) => [a.attempt, a.status]), [[0, 'succeeded']]);
    const ledger = await stack.request('GET', `/sandbox/ledger?key_prefix=${sub.json.id}:`);
    assert.equal(ledger.json.data.length, 1);
  });

  it('retries a past_due subscription at once with a new payment method, and changes the amount from the next period', async () => {
    const customer = await createCustomer(stack);
    const sub = await create(customer.id, { payment_method: { token: 'sandbox_soft_decline_9' }, retry_schedule: ['PT1H', 'PT1H'] });
    const id = sub.json.id;
    await until(id, 'past_due', (s) => s.state === 'past_due');
    const put = await stack.request('PUT', `/v1/subscriptions/${id}/payment-method`, { body: { token: 'sandbox_approve', expires: '2031-12' } });
    assert.equal(put.status, 200, put.text);
    const recovered = await until(id, 'recovered with the new card', (s) => s.period === 1);
    assert.deepEqual(recovered.attempts.map((a: any) => [a.attempt, a.status]), [[0, 'failed'], [1, 'succeeded']]);
    assert.equal(recovered.payment_method.expires, '2031-12');

    const patched = await stack.request('PATCH', `/v1/subscriptions/${id}`, { body: { amount: 5999 } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.amount, 5999);
    const now = await stack.request('POST', `/v1/subscriptions/${id}/charge-now`);
    assert.equal(now.status, 200, now.text);
    const after = await stack.request('GET', `/v1/subscriptions/${id}`);
    assert.deepEqual(after.json.attempts.map((a: any) => [a.period, a.amount]), [[0, 4999], [0, 4999], [1, 5999]]);
  });

  it('creates a subscription from a succeeded first payment: that payment is period 0, nothing is charged again', async () => {
    const customer = await createCustomer(stack);
    const pay = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 4999, currency: 'PLN', gateway: 'sandbox' } });
    await stack.request('POST', `/sandbox/checkout/${pay.json.id}/approve`, { key: null });
    const paid = await waitFor('first payment', async () => {
      const p = await stack.request('GET', `/v1/payments/${pay.json.id}`);
      return p.json.status === 'succeeded' ? p.json : undefined;
    });
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: { customer_id: customer.id, gateway: 'sandbox', payment_method: { payment_id: pay.json.id }, amount: 4999, currency: 'PLN', schedule: { kind: 'interval', duration: 'PT1H' } },
    });
    assert.equal(sub.status, 201, sub.text);
    assert.equal(sub.json.period, 1, 'period 0 is the first payment');
    assert.equal(sub.json.first_payment_id, pay.json.id);
    assert.equal(Date.parse(sub.json.next_charge_at) - Date.parse(paid.completed_at ?? paid.updated_at), 3_600_000, 'one period after the first payment');
    const created = await stack.request('GET', `/v1/subscriptions/${sub.json.id}`);
    assert.deepEqual(created.json.attempts, [], 'no charge at creation');
    const ledger = await stack.request('GET', `/sandbox/ledger?key_prefix=${sub.json.id}:`);
    assert.deepEqual(ledger.json.data, [], 'the bank saw no charge of the subscription');
    const twice = await create(customer.id, { payment_method: { payment_id: pay.json.id }, first_charge_at: undefined });
    assert.equal(twice.status, 422, 'one first payment starts one subscription');
    assert.match(twice.json.detail, /already started another subscription/);
    const other = await createCustomer(stack);
    const foreign = await create(other.id, { payment_method: { payment_id: pay.json.id } });
    assert.equal(foreign.status, 400, 'another customer cannot use that payment');
  });

  it('asks the amount hook before charging, signed, and charges what it answers', async () => {
    const customer = await createCustomer(stack);
    const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ amount: 777 }));
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/amount`;
      const sub = await create(customer.id, { schedule: { kind: 'interval', duration: 'PT1H', amount_hook: url } });
      assert.equal(sub.status, 201, sub.text);
      const charged = await until(sub.json.id, 'charged', (s) => s.period === 1);
      assert.deepEqual(charged.attempts.map((a: any) => a.amount), [777]);
      assert.equal(seen.length, 1);
      const { headers, body } = seen[0] ?? { headers: {}, body: '' };
      assert.equal(verifyWebhook(stack.config.AMOUNT_HOOK_SECRET, headers as Record<string, string>, body, Math.floor(Date.now() / 1000), 300), undefined, 'the request is signed');
      assert.equal(JSON.parse(body).data.subscription_id, sub.json.id);
    } finally {
      hook.close();
    }
  });

  it('refuses bad subscriptions with problem+json naming the field', async () => {
    const customer = await createCustomer(stack);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ schedule: { kind: 'monthly', day: 32 } }, /schedule/],
      [{ time_zone: 'Mars/Olympus' }, /time_zone/],
      [{ retry_schedule: ['P1M'] }, /retry_schedule/],
      [{ amount: 100, min_amount: 500 }, /min_amount/],
      [{ gateway: 'nope' }, /gateway/],
    ];
    for (const [extra, mentions] of cases) {
      const res = await create(customer.id, extra);
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.match(JSON.stringify(res.json), mentions);
    }
  });

  it("reads a card's expiry from its token through the gateway (PaymentGateway.tokenExpiry)", async () => {
    const customer = await createCustomer(stack);
    const later = await create(customer.id, { payment_method: { token: 'sandbox_expiring_2099-12' } });
    assert.equal(later.status, 201, later.text);
    assert.equal(later.json.payment_method.expires, '2099-12');
    const expired = await create(customer.id, { payment_method: { token: 'sandbox_expiring_2001-01' } });
    assert.equal(expired.status, 422, expired.text);
    assert.match(expired.text, /payment_method\.expires/);
  });
});
