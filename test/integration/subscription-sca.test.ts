import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * SCA over HTTP (issue 11 §2), as a billing system and its customer meet it: a subscription on the
 * sandbox card that asks for authentication, the event with its payment link, charge-now refused,
 * the customer paying the link on the sandbox's page, and the subscription recovered — read from
 * the API, Postgres and the sandbox's books.
 */
describe('subscription charge that needs authentication, over HTTP (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('past_due with a payment link, charge-now 409, the link paid on the sandbox page recovers the period once', async () => {
    const customer = await createCustomer(stack);
    const created = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer.id, gateway: 'sandbox', payment_method: { token: 'sandbox_authentication_required' }, amount: 2500, currency: 'EUR',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'UTC', first_charge_at: new Date().toISOString(),
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = (created.json as { id: string }).id;

    const pastDue = await waitFor('past_due', async () => {
      const r = await stack.request('GET', `/v1/subscriptions/${id}`);
      return r.json.state === 'past_due' ? r.json : undefined;
    });
    assert.deepEqual(pastDue.attempts.map((a: Record<string, unknown>) => [a.period, a.status, a.outcome, a.gateway_code, a.payment_id]), [[0, 'failed', 'action_required', '1A', null]]);
    const events = await stack.request('GET', `/v1/events?aggregate_id=${id}`);
    const required = events.json.data.find((e: { type: string }) => e.type === 'subscription.action_required');
    assert.ok(required, events.text);
    const url = new URL(String(required.payload.payment_link_url));
    assert.equal(required.payload.amount, 2500);

    assert.deepEqual(pastDue.action_required, {
      period: 0, payment_link_id: required.payload.payment_link_id, payment_link_url: required.payload.payment_link_url, expires_at: required.payload.expires_at,
    }, 'the subscription shows the link its period waits on');

    const chargeNow = await stack.request('POST', `/v1/subscriptions/${id}/charge-now`, { body: {} });
    assert.equal(chargeNow.status, 409, chargeNow.text);
    assert.match(chargeNow.headers.get('content-type') ?? '', /problem\+json/);

    const page = await stack.request('GET', url.pathname, { key: null });
    assert.equal(page.status, 200);
    assert.match(page.text, /25\.00 EUR/);
    const pay = await stack.request('POST', url.pathname, { key: null, raw: 'gateway=sandbox', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(pay.status, 303, pay.text);
    const checkout = new URL(pay.headers.get('location') ?? '').pathname;
    const paymentId = checkout.split('/').pop() ?? '';
    const approve = await stack.request('POST', `${checkout}/approve`, { key: null });
    assert.equal(approve.status, 303);

    const recovered = await waitFor('active in period 1', async () => {
      const r = await stack.request('GET', `/v1/subscriptions/${id}`);
      return r.json.state === 'active' && r.json.period === 1 ? r.json : undefined;
    });
    assert.deepEqual(recovered.attempts.map((a: Record<string, unknown>) => [a.period, a.status, a.outcome, a.payment_id]), [
      [0, 'failed', 'action_required', null],
      [0, 'succeeded', 'success', paymentId],
    ]);
    assert.equal(recovered.action_required, null);
    const row = await stack.pool.query<{ payment_method: { token: string } }>({ text: 'SELECT payment_method FROM subscriptions WHERE id = $1', values: [id] });
    assert.equal(row.rows[0]?.payment_method.token, 'sandbox_approve', "the card saved on the link's payment is the subscription's now");
    const books = await stack.pool.query<{ outcome: string }>({ text: 'SELECT outcome FROM sandbox_ledger WHERE starts_with(idempotency_key, $1)', values: [`${id}:`] });
    assert.deepEqual(books.rows, [{ outcome: 'action_required' }], 'no off-session money moved');
    const paidPage = await stack.request('GET', url.pathname, { key: null });
    assert.equal(paidPage.status, 410, 'the link is paid: nobody pays the period twice through it');
    const types = (await stack.request('GET', `/v1/events?aggregate_id=${id}`)).json.data.map((e: { type: string }) => e.type);
    assert.deepEqual(types.slice(-2), ['subscription.charged', 'subscription.recovered']);

    // Recovered, it takes charge-now again: with a card that is declined hard, the run ends there
    // (a closed run, so `TOLLGATE_RECORD_HISTORIES` can keep this path as a replay fixture).
    const method = await stack.request('PUT', `/v1/subscriptions/${id}/payment-method`, { body: { token: 'sandbox_hard_decline' } });
    assert.equal(method.status, 200, method.text);
    const charged = await stack.request('POST', `/v1/subscriptions/${id}/charge-now`, { body: {} });
    assert.equal(charged.status, 200, charged.text);
    assert.deepEqual([charged.json.state, charged.json.stopped_reason, charged.json.period], ['system_stopped', 'hard_decline', 1]);
  });
  it("a period's link paid by bank transfer (no recurring charges): its transfer page, then the period recovered with the old card kept", async () => {
    const customer = await createCustomer(stack);
    const created = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer.id, gateway: 'sandbox', payment_method: { token: 'sandbox_authentication_required' }, amount: 2500, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'UTC', first_charge_at: new Date().toISOString(),
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = (created.json as { id: string }).id;
    const link = await waitFor('the period link', async () => (await stack.request('GET', `/v1/subscriptions/${id}`)).json.action_required ?? undefined);
    const url = new URL(String(link.payment_link_url));
    const pay = await stack.request('POST', url.pathname, { key: null, raw: 'gateway=bank_transfer', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(pay.status, 303, pay.text);
    const transfer = new URL(pay.headers.get('location') ?? '').pathname;
    assert.match(transfer, /^\/bank-transfer\/pay_/);
    const paymentId = transfer.split('/').pop() ?? '';
    const payment = (await stack.pool.query<{ gateway: string; status: string; reference: string; payment_link_id: string }>(
      'SELECT gateway, status, reference, payment_link_id FROM payments WHERE id = $1', [paymentId])).rows[0];
    assert.deepEqual([payment?.gateway, payment?.status, payment?.payment_link_id], ['bank_transfer', 'pending', link.payment_link_id]);
    assert.equal((await stack.request('GET', transfer, { key: null })).status, 200);

    // The customer's transfer arrives on the bank statement: the payment succeeds and pays the period.
    const tag = randomUUID().slice(0, 8);
    const day = new Date().toISOString().slice(2, 10).replaceAll('-', '');
    const statement = [
      `:20:STMT-${tag}`, ':25:PL61109010140000071219812874', ':28C:1/1', `:60F:C${day}PLN0,00`,
      `:61:${day}${day.slice(2)}C25,00NTRFNONREF//BANK-${tag}`, `:86:Abonament, tytul ${payment?.reference ?? ''}`, `:62F:C${day}PLN25,00`, '-',
    ].join('\n');
    const imported = await stack.request('POST', '/v1/bank-statements', { raw: statement, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(imported.status, 201, imported.text);
    const recovered = await waitFor('active in period 1', async () => {
      const r = await stack.request('GET', `/v1/subscriptions/${id}`);
      return r.json.state === 'active' && r.json.period >= 1 ? r.json : undefined;
    });
    assert.ok(recovered.attempts.some((a: Record<string, unknown>) => a.period === 0 && a.status === 'succeeded' && a.payment_id === paymentId), JSON.stringify(recovered.attempts));
    const row = await stack.pool.query<{ payment_method: { token: string } }>({ text: 'SELECT payment_method FROM subscriptions WHERE id = $1', values: [id] });
    assert.equal(row.rows[0]?.payment_method.token, 'sandbox_authentication_required', 'a bank transfer leaves no card: the old one is kept');
  });
});
