import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { subscriptionStateQuery } from '../../src/workflows/subscription-messages.js';
import { createCustomer } from '../support/fixtures.js';
import { gatewayEnv, LIVE_SECRET, sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The money rules a billing system relies on (issue 8 §2): nothing is charged for the past or
 * twice for a first payment, schedules cannot charge without pause, every charged amount passes
 * the gateway's recurring limits, a subscription keeps its creation mode, and a stop during a
 * charge is taken. Asserted from the API, the charge attempts and the sandbox's own books.
 */
describe('subscription money rules over HTTP', () => {
  const stacks: TestStack[] = [];
  let stack: TestStack;
  before(async () => {
    stack = await stackWith([
      sandboxEntry({ recurring: { enabled: true, max_amount: 10_000 } }),
      sandboxEntry({ name: 'one_time_only', recurring: undefined }),
    ]);
  });
  after(async () => {
    for (const s of stacks) await s.close();
  });

  async function stackWith(gateways: Array<Record<string, unknown>>, extra: Record<string, string> = {}, opts: { worker?: boolean } = {}) {
    // The amount hook below listens on loopback, which outbound calls may reach only when listed.
    const s = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile(gateways), ...gatewayEnv, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', ...extra }, opts);
    stacks.push(s);
    return s;
  }

  const body = (customerId: string, extra: Record<string, unknown> = {}) => ({
    customer_id: customerId, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 4999, currency: 'PLN',
    schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'Europe/Warsaw', ...extra,
  });
  const create = (s: TestStack, customerId: string, extra: Record<string, unknown> = {}) =>
    s.request('POST', '/v1/subscriptions', { body: body(customerId, extra) });
  const ledgerOf = async (s: TestStack, id: string) => (await s.request('GET', `/sandbox/ledger?key_prefix=${id}:`)).json.data as Array<Record<string, unknown>>;
  const countSubscriptions = async (s: TestStack, customerId: string) =>
    (await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions WHERE customer_id = $1', [customerId])).rows[0]?.n;

  it('refuses a first charge a year ago with 422 and creates nothing; a moved-in subscription charges only from its next period', async () => {
    const customer = await createCustomer(stack);
    const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString();
    const old = await create(stack, customer.id, { schedule: { kind: 'monthly', day: 1 }, first_charge_at: yearAgo });
    assert.equal(old.status, 422, old.text);
    assert.equal(old.headers.get('content-type'), 'application/problem+json');
    assert.equal(old.json.code, 'rule_violation');
    assert.deepEqual(old.json.errors.map((e: { path: string }) => e.path), ['first_charge_at']);
    assert.equal(await countSubscriptions(stack, customer.id), 0);

    const next = new Date(Date.now() + 1500);
    const moved = await create(stack, customer.id, { next_charge_at: next.toISOString(), periods_paid: 12 });
    assert.equal(moved.status, 201, moved.text);
    assert.equal(moved.json.period, 12);
    assert.equal(moved.json.next_charge_at, next.toISOString());
    const charged = await waitFor('the first charge of the moved-in subscription', async () => {
      const r = await stack.request('GET', `/v1/subscriptions/${moved.json.id}`);
      return r.json.period === 13 ? r.json : undefined;
    });
    assert.deepEqual(charged.attempts.map((a: { idempotency_key: string }) => a.idempotency_key), [`${moved.json.id}:12:0`]);
    assert.deepEqual((await ledgerOf(stack, moved.json.id)).map((r) => r.idempotency_key), [`${moved.json.id}:12:0`], 'periods 0–11 never reached the bank');
    const both = await create(stack, customer.id, { next_charge_at: next.toISOString(), first_charge_at: next.toISOString() });
    assert.equal(both.status, 400);
  });

  it('refuses a schedule that would charge without pause: under PT5S in test mode, under PT1M live', async () => {
    const customer = await createCustomer(stack);
    const tiny = await create(stack, customer.id, { schedule: { kind: 'interval', duration: 'PT0.001S' }, first_charge_at: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(tiny.status, 422, tiny.text);
    assert.match(tiny.json.detail, /schedule: .*shorter than PT5S/);
    assert.equal(await countSubscriptions(stack, customer.id), 0);
    const demo = await create(stack, customer.id, { schedule: { kind: 'interval', duration: 'PT5S' }, first_charge_at: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(demo.status, 201, 'a test-mode gateway may run a 5-second demo');
    const patched = await stack.request('PATCH', `/v1/subscriptions/${demo.json.id}`, { body: { schedule: { kind: 'interval', duration: 'PT1S' } } });
    assert.equal(patched.status, 422, patched.text);

    const live = await stackWith([sandboxEntry({ mode: 'live', recurring: { enabled: true } })]);
    const liveCustomer = await createCustomer(live);
    const halfMinute = await create(live, liveCustomer.id, { schedule: { kind: 'interval', duration: 'PT30S' } });
    assert.equal(halfMinute.status, 422);
    assert.match(halfMinute.json.detail, /shorter than one minute/);
  });

  it('holds every charged amount to the gateway recurring limits, and refuses recurring where the gateway forbids it', async () => {
    const customer = await createCustomer(stack);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const tooBig = await create(stack, customer.id, { amount: 10_001, first_charge_at: future });
    assert.equal(tooBig.status, 422);
    assert.match(tooBig.json.detail, /amount: gateway "sandbox" takes recurring charges of 0\.01–100\.00 PLN/);
    const forbidden = await create(stack, customer.id, { gateway: 'one_time_only', first_charge_at: future });
    assert.equal(forbidden.status, 422);
    assert.match(forbidden.json.detail, /takes no recurring charges/);

    const sub = await create(stack, customer.id, { first_charge_at: future });
    const patch = await stack.request('PATCH', `/v1/subscriptions/${sub.json.id}`, { body: { amount: 20_000 } });
    assert.equal(patch.status, 422);
    const now = await stack.request('POST', `/v1/subscriptions/${sub.json.id}/charge-now`, { body: { amount: 20_000 }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(now.status, 422);
    const auto = await create(stack, customer.id, { schedule: { kind: 'automatic' } });
    const charge = await stack.request('POST', `/v1/subscriptions/${auto.json.id}/charges`, { body: { amount: 20_000 }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(charge.status, 422);
    assert.deepEqual([...(await ledgerOf(stack, sub.json.id)), ...(await ledgerOf(stack, auto.json.id))], [], 'nothing reached the bank');

    // The amount hook's answer is held to the same limits at charge time: the period is skipped.
    const hook = createServer((_req, res) => res.end(JSON.stringify({ amount: 50_000 })));
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/amount`;
      const hooked = await create(stack, customer.id, { schedule: { kind: 'interval', duration: 'PT1H', amount_hook: url } });
      assert.equal(hooked.status, 201, hooked.text);
      const skipped = await waitFor('the hooked period to be skipped', async () => {
        const events = await stack.request('GET', `/v1/events?aggregate_id=${hooked.json.id}`);
        return events.json.data.find((e: { type: string }) => e.type === 'subscription.charge_skipped');
      });
      assert.match(skipped.payload.reason, /outside/);
      assert.deepEqual(await ledgerOf(stack, hooked.json.id), []);
      assert.deepEqual((await stack.request('GET', `/v1/subscriptions/${hooked.json.id}`)).json.attempts, []);
    } finally {
      hook.close();
    }
  });

  it('charges in the mode it was created in after the gateway goes live, and never in another when that mode is gone', async () => {
    const gatewayInTest = sandboxEntry({ mode: 'test' });
    const created = await stackWith([gatewayInTest], {}, { worker: false });
    const customer = await createCustomer(created);
    const sub = await create(created, customer.id, { first_charge_at: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(sub.json.mode, 'test');
    const queue = { TEMPORAL_TASK_QUEUE: created.config.TEMPORAL_TASK_QUEUE };

    // The operator switches the gateway to live; the subscription still charges its test account.
    const live = await stackWith([sandboxEntry({ mode: 'live' })], queue);
    const first = await live.request('POST', `/v1/subscriptions/${sub.json.id}/charge-now`, { headers: { 'idempotency-key': randomUUID() } });
    assert.equal(first.status, 200, first.text);
    const afterFirst = (await live.request('GET', `/v1/subscriptions/${sub.json.id}`)).json;
    assert.deepEqual(afterFirst.attempts.map((a: { mode: string; status: string }) => [a.mode, a.status]), [['test', 'succeeded']]);
    assert.deepEqual((await ledgerOf(live, sub.json.id)).map((r) => r.mode), ['test'], "the gateway's books: the test account");
    await live.close();
    stacks.splice(stacks.indexOf(live), 1);

    // Then the test credentials are removed from the configuration: a technical error, never live.
    const liveOnly = await stackWith([sandboxEntry({ mode: 'live', secrets: { live: { env: 'LIVE_GW_SECRET' } } })], { ...queue, LIVE_GW_SECRET: LIVE_SECRET });
    const second = await liveOnly.request('POST', `/v1/subscriptions/${sub.json.id}/charge-now`, { headers: { 'idempotency-key': randomUUID() } });
    assert.equal(second.status, 200, second.text);
    const afterSecond = (await liveOnly.request('GET', `/v1/subscriptions/${sub.json.id}`)).json;
    const failed = afterSecond.attempts.at(-1);
    assert.deepEqual([failed.period, failed.mode, failed.status, failed.outcome, failed.gateway_code], [1, 'test', 'failed', 'technical_error', 'tollgate_config']);
    assert.match(failed.gateway_message, /no test-mode credentials.*never charged in another/);
    assert.equal(afterSecond.state, 'past_due');
    const events = await liveOnly.request('GET', `/v1/events?aggregate_id=${sub.json.id}`);
    assert.ok(events.json.data.some((e: { type: string; payload: { gateway_code?: string } }) => e.type === 'subscription.charge_failed' && e.payload.gateway_code === 'tollgate_config'));
    assert.equal((await ledgerOf(liveOnly, sub.json.id)).length, 1, 'no second booking in either account');
  });

  it('records a technical error, never a silent skip, when the gateway stops taking recurring charges under a subscription', async () => {
    const before = await stackWith([sandboxEntry()], {}, { worker: false });
    const customer = await createCustomer(before);
    const sub = await create(before, customer.id, { first_charge_at: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(sub.status, 201, sub.text);
    const after = await stackWith([sandboxEntry({ recurring: undefined })], { TEMPORAL_TASK_QUEUE: before.config.TEMPORAL_TASK_QUEUE });
    const res = await after.request('POST', `/v1/subscriptions/${sub.json.id}/charge-now`, { headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 200, res.text);
    const row = (await after.request('GET', `/v1/subscriptions/${sub.json.id}`)).json;
    assert.equal(row.state, 'past_due');
    assert.deepEqual(row.attempts.map((a: { status: string; gateway_code: string }) => [a.status, a.gateway_code]), [['failed', 'tollgate_limits']]);
    assert.match(row.attempts[0].gateway_message, /takes no recurring charges/);
    assert.deepEqual(await ledgerOf(after, sub.json.id), []);
  });

  it('takes a stop that arrives while a charge is in flight (202) and applies it when the charge ends', async () => {
    const customer = await createCustomer(stack);
    const sub = await create(stack, customer.id, { payment_method: { token: 'sandbox_slow_approve' } });
    assert.equal(sub.status, 201, sub.text);
    const handle = stack.deps.temporal.workflow.getHandle(`subscription:${sub.json.id}`);
    await waitFor('the charge to be in flight', async () => ((await handle.query(subscriptionStateQuery)).state === 'charging' ? true : undefined));
    const stop = await stack.request('POST', `/v1/subscriptions/${sub.json.id}/stop`, { body: { reason: 'moving out' } });
    assert.equal(stop.status, 202, stop.text);
    assert.deepEqual(stop.json.pending_stop, { by: 'admin', reason: 'moving out', detail: 'a charge is in progress; the stop takes effect as soon as it ends' });
    const stopped = await waitFor('the stop to take effect', async () => {
      const r = await stack.request('GET', `/v1/subscriptions/${sub.json.id}`);
      return r.json.state === 'admin_stopped' ? r.json : undefined;
    });
    assert.equal(stopped.period, 1, 'the charge in flight finished its period');
    assert.deepEqual(stopped.attempts.map((a: { status: string }) => a.status), ['succeeded']);
    assert.equal((await ledgerOf(stack, sub.json.id)).length, 1);
  });
});
