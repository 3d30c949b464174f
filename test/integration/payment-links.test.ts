import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { byVersion } from '../support/event-order.js';

/**
 * Payment links over HTTP against the out-of-the-box gateways file: the pay page, paying through
 * the sandbox, the result page, the link's closed states; and a deferred gateway's temporary payment.
 */
describe('payment links and temporary payments (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  async function link(customerId: string, extra: Record<string, unknown> = {}) {
    const res = await stack.request('POST', '/v1/payment-links', {
      body: { customer_id: customerId, amount: 12_345, currency: 'PLN', description: 'Internet, December', invoice_reference: 'FV/12/2026', customer: { name: 'Jan Kowalski' }, ...extra },
    });
    assert.equal(res.status, 201, res.text);
    return res.json as { id: string; token: string; url: string; status: string };
  }

  const payPath = (token: string) => `/pay/${token}`;

  it('lists the configured gateways without secrets', async () => {
    const res = await stack.request('GET', '/v1/gateways');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.data.map((g: { name: string }) => g.name), ['sandbox', 'sandbox_deferred', 'bank_transfer']);
    const deferred = res.json.data.find((g: { name: string }) => g.name === 'sandbox_deferred');
    assert.equal(deferred.settlement, 'deferred');
    assert.equal(deferred.payment_expiration, 5);
    assert.doesNotMatch(res.text, /whsec_/);
  });

  it('shows a pay page with masked name and one Pay now per gateway, pays through the sandbox, and lands on success', async () => {
    const customer = await createCustomer(stack);
    const l = await link(customer.id);
    assert.equal(new URL(l.url).pathname, payPath(l.token));
    const pagePlain = await stack.request('GET', payPath(l.token), { key: null });
    assert.equal(pagePlain.status, 200);
    assert.match(pagePlain.text, /123\.45 PLN/);
    assert.match(pagePlain.text, /Ja\* Ko\*{6}/, 'masked the ABillS way (FIO_HIDDEN): two letters a word');
    assert.doesNotMatch(pagePlain.text, /Kowalski/);
    assert.equal([...pagePlain.text.matchAll(/>Pay now — /g)].length, 3);

    const pay = await stack.request('POST', payPath(l.token), { key: null, raw: 'gateway=sandbox', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(pay.status, 303);
    const checkout = new URL(pay.headers.get('location') ?? '');
    assert.match(checkout.pathname, /^\/sandbox\/checkout\/pay_/);
    const paymentId = checkout.pathname.split('/').pop() ?? '';

    const again = await stack.request('GET', payPath(l.token), { key: null });
    assert.match(again.text, /Payment in progress/, 'a second visit shows the payment in flight, not a second Pay now');

    const approve = await stack.request('POST', `${checkout.pathname}/approve`, { key: null });
    assert.equal(approve.status, 303);
    const resultPath = new URL(approve.headers.get('location') ?? '').pathname;
    assert.equal(resultPath, `${payPath(l.token)}/result/${paymentId}`);
    const result = await waitFor('the success page', async () => {
      const r = await stack.request('GET', resultPath, { key: null });
      return /Payment successful/.test(r.text) ? r : undefined;
    });
    assert.equal(result.status, 200);

    const used = await stack.request('GET', payPath(l.token), { key: null });
    assert.equal(used.status, 410);
    assert.match(used.text, /already been paid/);
    const paid = await stack.request('GET', `/v1/payment-links/${l.id}`);
    assert.equal(paid.json.status, 'paid');
    assert.equal(paid.json.paid_payment_id, paymentId);
  });

  it('a declined payment shows failure and the link can be paid again; expired and unknown links show clear pages', async () => {
    const customer = await createCustomer(stack);
    const l = await link(customer.id);
    const pay = await stack.request('POST', payPath(l.token), { key: null, raw: 'gateway=sandbox', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const checkout = new URL(pay.headers.get('location') ?? '').pathname;
    const decline = await stack.request('POST', `${checkout}/decline`, { key: null });
    const failed = await waitFor('the failure page', async () => {
      const r = await stack.request('GET', new URL(decline.headers.get('location') ?? '').pathname, { key: null });
      return /Payment failed/.test(r.text) ? r : undefined;
    });
    assert.match(failed.text, /Try again/);
    const reopened = await stack.request('GET', payPath(l.token), { key: null });
    assert.match(reopened.text, /Pay now/);

    const tooShort = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 100, currency: 'PLN', expires_in: 'PT1S' } });
    assert.equal(tooShort.status, 400);
    const short = await link(customer.id, { expires_in: 'PT1M' });
    // The link's expiry is a moment in the database; move it into the past instead of waiting.
    await stack.pool.query("UPDATE payment_links SET expires_at = now() - interval '1 second' WHERE id = $1", [short.id]);
    const expired = await stack.request('GET', payPath(short.token), { key: null });
    assert.equal(expired.status, 410);
    assert.match(expired.text, /Payment link expired/);
    const unknown = await stack.request('GET', payPath('no-such-token'), { key: null });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /Payment link not found/);
    assert.match(unknown.headers.get('content-type') ?? '', /text\/html/);
  });

  it('a success through the deferred gateway opens a temporary payment; settle, unsettle (clock re-armed), and conflicts', async () => {
    const customer = await createCustomer(stack);
    const created = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 4900, currency: 'PLN', gateway: 'sandbox_deferred' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.settlement, 'deferred');
    await stack.request('POST', `/sandbox/checkout/${created.json.id}/approve`, { key: null });
    const temporary = await waitFor('the temporary payment', async () => {
      const r = await stack.request('GET', `/v1/temporary-payments?customer_id=${customer.id}`);
      return r.json.data[0];
    });
    assert.equal(temporary.status, 'open');
    assert.equal(temporary.payment_id, created.json.id);
    assert.equal(temporary.reference, created.json.reference);
    assert.equal(temporary.amount, 4900);
    const days = (Date.parse(temporary.expires_at) - Date.now()) / 86_400_000;
    assert.ok(days > 4.9 && days <= 5, `expires in 5 days, not ${days}`);

    const unsettleOpen = await stack.request('POST', `/v1/temporary-payments/${temporary.id}/unsettle`);
    assert.equal(unsettleOpen.status, 409);
    const settled = await stack.request('POST', `/v1/temporary-payments/${temporary.id}/settle`, { body: { note: 'seen on the bank portal' } });
    assert.equal(settled.status, 200, settled.text);
    assert.equal(settled.json.status, 'settled');
    assert.equal(settled.json.settled_reason, 'manual');
    assert.equal(settled.json.expires_at, null);
    assert.equal((await stack.request('POST', `/v1/temporary-payments/${temporary.id}/settle`)).status, 409);
    const reopened = await stack.request('POST', `/v1/temporary-payments/${temporary.id}/unsettle`);
    assert.equal(reopened.status, 200, reopened.text);
    assert.equal(reopened.json.status, 'open');
    assert.ok(Date.parse(reopened.json.expires_at) > Date.parse(temporary.expires_at), 'the expiry clock starts again');

    const open = await stack.request('GET', `/v1/temporary-payments?status=open&customer_id=${customer.id}`);
    assert.deepEqual(open.json.data.map((t: { id: string }) => t.id), [temporary.id]);
    const detail = await stack.request('GET', `/v1/temporary-payments/${temporary.id}`);
    assert.deepEqual(detail.json.history.map((h: { action: string }) => h.action), ['created', 'settled', 'unsettled']);
    const events = await stack.request('GET', `/v1/events?after=0&aggregate_id=${temporary.id}`);
    assert.deepEqual(byVersion(events.json.data), ['temporary_payment.created', 'temporary_payment.settled', 'temporary_payment.unsettled']);
  });

  it('hands out fresh variable symbols, and a payment can carry one', async () => {
    const a = await stack.request('GET', '/v1/variable-symbol');
    const b = await stack.request('GET', '/v1/variable-symbol');
    assert.match(a.json.reference, /^\d{10}$/);
    assert.notEqual(a.json.reference, b.json.reference);
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 100, currency: 'PLN', gateway: 'bank_transfer', reference: a.json.reference } });
    assert.equal(p.status, 201, p.text);
    assert.equal(p.json.reference, a.json.reference);
    const dup = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 100, currency: 'PLN', gateway: 'bank_transfer', reference: a.json.reference } });
    assert.equal(dup.status, 409);
    const transferPage = await stack.request('GET', new URL(p.json.checkout_url).pathname, { key: null });
    assert.match(transferPage.text, new RegExp(a.json.reference));
    assert.match(transferPage.text, /PL61109010140000071219812874/);
  });
});
