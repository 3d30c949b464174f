import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MISSING_ROW_TRIES } from '../../src/activities/missing-row.js';
import { createPaymentActivities } from '../../src/activities/payments.js';
import { paymentWorkflowId } from '../../src/temporal/workflow-ids.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

describe('walking skeleton: customer → payment → sandbox checkout → signed callback → workflow → ledger', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.close();
  });

  async function paymentStatus(id: string, wanted: string) {
    return waitFor(`payment ${id} to be ${wanted}`, async () => {
      const res = await stack.request('GET', `/v1/payments/${id}`);
      return res.json?.status === wanted ? res.json : undefined;
    });
  }

  it('lets a payment workflow whose row never committed end after its tries, instead of retrying for ever', async () => {
    const activities = createPaymentActivities({ pool: stack.pool, gateways: stack.deps.gateways });
    const missing = `pay_${randomUUID()}`;
    const expire = (input: { paymentId: string }) => activities.expirePayment(input);
    // Early tries wait for the creating transaction's commit (retryable); the last gives up for good.
    await assert.rejects(new MockActivityEnvironment({ attempt: 1 }).run(expire, { paymentId: missing }), (err: Error) => !(err instanceof ApplicationFailure) && /not committed/.test(err.message));
    await assert.rejects(
      new MockActivityEnvironment({ attempt: MISSING_ROW_TRIES }).run(expire, { paymentId: missing }),
      (err: Error) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'PaymentMissing',
    );
  });

  it('creates a customer and reads it back', async () => {
    const externalRef = `LMS-${randomUUID()}`;
    const created = await stack.request('POST', '/v1/customers', { body: { external_ref: externalRef, name: 'Anna Nowak', email: 'anna@example.com' } });
    assert.equal(created.status, 201);
    assert.match(created.json.id, /^cus_/);
    const read = await stack.request('GET', `/v1/customers/${created.json.id}`);
    assert.deepEqual(read.json, created.json);
    const dup = await stack.request('POST', '/v1/customers', { body: { external_ref: externalRef, name: 'Someone else' } });
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('content-type'), 'application/problem+json');
  });

  it('pays through the sandbox page: approved payment succeeds, with its event and search attributes', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    assert.equal(payment.status, 'pending');
    assert.match(payment.reference, /^\d{10}$/);
    const checkoutPath = new URL(payment.checkout_url).pathname;
    assert.equal(checkoutPath, `/sandbox/checkout/${payment.id}`);

    const page = await stack.request('GET', checkoutPath, { key: null });
    assert.equal(page.status, 200);
    assert.match(page.text, /18\.15 PLN/);
    assert.match(page.text, /<button[^>]*>Approve<\/button>/);
    assert.match(page.text, new RegExp(`action="/sandbox/checkout/${payment.id}/decline"`));

    const approve = await stack.request('POST', `${checkoutPath}/approve`, { key: null });
    assert.equal(approve.status, 303);
    assert.equal(approve.headers.get('location'), `${checkoutPath}/result`);

    const done = await paymentStatus(payment.id, 'succeeded');
    assert.equal(done.gateway_code, '00');
    assert.match(done.gateway_transaction_id, /^sbx_txn_/);
    assert.ok(done.completed_at);
    assert.equal(done.checkout_url, null);

    const result = await stack.request('GET', `${checkoutPath}/result`, { key: null });
    assert.match(result.text, /Payment successful/);

    const events = await stack.request('GET', `/v1/events?after=0&aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.succeeded']);
    const succeeded = events.json.data[1];
    assert.equal(succeeded.payload.amount, 1815);
    assert.equal(succeeded.payload.customer_id, customer.id);

    // The callback's answer does not wait for its signal; the dispatcher marks the row after it.
    const journal = await waitFor('the callback to be marked delivered', async () => {
      const r = await stack.pool.query('SELECT outcome, source_ip, body FROM inbound_requests WHERE payment_id = $1', [payment.id]);
      return r.rows[0]?.outcome === 'accepted' ? undefined : r;
    });
    assert.equal(journal.rowCount, 1);
    assert.equal(journal.rows[0].outcome, 'delivered');
    assert.ok(journal.rows[0].source_ip, 'the source IP is journaled');
    assert.match(journal.rows[0].body, /payment\.succeeded/);

    const handle = stack.deps.temporal.workflow.getHandle(paymentWorkflowId(payment.id));
    assert.equal((await handle.result()).status, 'succeeded');
    const description = await handle.describe();
    assert.equal(description.status.name, 'COMPLETED');
    assert.equal(description.typedSearchAttributes.get({ name: 'TollgateCustomerId', type: 'KEYWORD' } as never), customer.id);
    const found = await waitFor('the workflow in a visibility query', async () => {
      for await (const wf of stack.deps.temporal.workflow.list({ query: `TollgateCustomerId = '${customer.id}' AND TollgateState = 'succeeded'` })) {
        return wf.workflowId;
      }
      return undefined;
    });
    assert.equal(found, paymentWorkflowId(payment.id));
  });

  it('declining on the sandbox page fails the payment', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);
    const decline = await stack.request('POST', `/sandbox/checkout/${payment.id}/decline`, { key: null });
    assert.equal(decline.status, 303);
    const done = await paymentStatus(payment.id, 'failed');
    assert.equal(done.gateway_code, '05');
    const events = await stack.request('GET', `/v1/events?after=0&aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.failed']);
  });

  it('honours Idempotency-Key: same body → same payment, other body → 422, and one workflow only', async () => {
    const customer = await createCustomer(stack);
    const body = { customer_id: customer.id, amount: 5000, currency: 'EUR', gateway: 'sandbox', description: 'Invoice 7', expires_in: 'PT1H' };
    const key = `idem-${randomUUID()}`;
    const first = await stack.request('POST', '/v1/payments', { body, headers: { 'idempotency-key': key } });
    const again = await stack.request('POST', '/v1/payments', { body: { ...body }, headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.deepEqual(again.json, first.json);
    const other = await stack.request('POST', '/v1/payments', { body: { ...body, amount: 5001 }, headers: { 'idempotency-key': key } });
    assert.equal(other.status, 422);
    assert.equal(other.json.code, 'idempotency_key_reused');
    const rows = await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
    assert.equal(rows.rows[0].n, 1);
  });

  it('refuses bad payment requests with problem+json and creates nothing', async () => {
    const customer = await createCustomer(stack);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ customer_id: customer.id, amount: 18.15, currency: 'PLN', gateway: 'sandbox' }, 400, 'amount'],
      [{ customer_id: customer.id, amount: 100, currency: 'pln', gateway: 'sandbox' }, 400, 'currency'],
      [{ customer_id: customer.id, amount: 100, currency: 'PLN', gateway: 'nope' }, 400, 'gateway'],
      [{ customer_id: customer.id, amount: 100, currency: 'PLN', gateway: 'sandbox', expires_in: 'P1M' }, 400, 'expires_in'],
      [{ customer_id: 'cus_missing', amount: 100, currency: 'PLN', gateway: 'sandbox' }, 404, 'customer'],
    ];
    for (const [body, status, mentions] of cases) {
      const res = await stack.request('POST', '/v1/payments', { body });
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.match(JSON.stringify(res.json), new RegExp(mentions));
    }
    const malformed = await stack.request('POST', '/v1/payments', { raw: '{"amount": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers.get('content-type'), 'application/problem+json');
    const rows = await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
    assert.equal(rows.rows[0].n, 0);
  });
});
