import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requestHashOf, workflowRequestId } from '../../src/api/idempotency.js';
import { hashApiKey } from '../../src/api/middleware/auth.js';
import { chargeNowUpdate } from '../../src/workflows/subscription-messages.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * Idempotency as a billing system relies on it: a retried charge never charges twice (also when
 * the API lost the answer after the workflow took the charge), a created payment and its saved
 * response commit together, and keys expire and are deleted.
 */
describe('idempotency keys (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  let adminKeyId: string;
  before(async () => {
    stack = await startTestStack({ IDEMPOTENCY_KEY_TTL: 'PT3S', IDEMPOTENCY_CLEANUP_INTERVAL_MS: '300' });
    adminKeyId = (await stack.pool.query('SELECT id FROM api_keys WHERE key_hash = $1', [hashApiKey(stack.adminKey)])).rows[0].id;
  });
  after(async () => {
    await stack?.close();
  });

  async function automaticSubscription(customerId: string): Promise<string> {
    const res = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customerId, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 4999, currency: 'PLN',
        schedule: { kind: 'automatic' }, time_zone: 'Europe/Warsaw', first_charge_at: new Date().toISOString(), max_amount: 10_000,
      },
    });
    assert.equal(res.status, 201, res.text);
    return res.json.id as string;
  }
  const charge = (id: string, amount: number, key?: string) =>
    stack.request('POST', `/v1/subscriptions/${id}/charges`, { body: { amount }, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
  const attempts = async (id: string) => (await stack.request('GET', `/v1/subscriptions/${id}`)).json.attempts.map((a: any) => [a.period, a.amount, a.status]);
  const ledger = async (id: string) => (await stack.request('GET', `/sandbox/ledger?key_prefix=${id}:`)).json.data.length;

  it('POST /charges requires an Idempotency-Key; a retry, a concurrent twin and a retry after a refusal never charge twice', async () => {
    const customer = await createCustomer(stack);
    const id = await automaticSubscription(customer.id);

    const none = await charge(id, 1234);
    assert.equal(none.status, 400, none.text);
    assert.match(none.text, /idempotency-key/i);
    assert.deepEqual(await attempts(id), []);

    const key = `charge-${randomUUID()}`;
    const [first, twin] = await Promise.all([charge(id, 1234, key), charge(id, 1234, key)]);
    assert.equal(first.status, 200, first.text);
    assert.equal(twin.status, 200, twin.text);
    assert.equal(first.json.period, 1);
    const again = await charge(id, 1234, key);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, first.json, 'the retry answers the first response');
    assert.deepEqual(await attempts(id), [[0, 1234, 'succeeded']], 'one charge for three requests');
    assert.equal(await ledger(id), 1, 'the gateway was asked once');

    const other = await charge(id, 999, key);
    assert.equal(other.status, 422);
    assert.equal(other.json.code, 'idempotency_key_reused');

    // Refused by the workflow (above max_amount): nothing was charged, so the key is given back.
    const refusedKey = `charge-${randomUUID()}`;
    assert.equal((await charge(id, 20_000, refusedKey)).status, 409);
    const retried = await charge(id, 2000, refusedKey);
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual(await attempts(id), [[0, 1234, 'succeeded'], [1, 2000, 'succeeded']]);
  });

  it('a retry after the workflow took the charge but the API never saved the answer gets the first result, not a second charge', async () => {
    const customer = await createCustomer(stack);
    const id = await automaticSubscription(customer.id);
    const key = `crash-${randomUUID()}`;
    // What the API had done when it crashed: the key claimed (no response yet), the update sent and taken.
    await stack.pool.query('INSERT INTO idempotency_keys (api_key_id, operation, key, request_hash) VALUES ($1, $2, $3, $4)', [
      adminKeyId, 'subscriptions.charge', key, requestHashOf({ subscription_id: id, amount: 1500 }),
    ]);
    const requestId = workflowRequestId({ apiKeyId: adminKeyId, operation: 'subscriptions.charge', key });
    const taken = await stack.deps.temporal.workflow
      .getHandle(`subscription:${id}`)
      .executeUpdate(chargeNowUpdate, { args: [{ amount: 1500, requestId, keepMs: 60_000 }], updateId: requestId });
    assert.equal(taken.period, 1);
    // The retry reaches the workflow, which still knows the request (after a continue-as-new too:
    // test/workflow/subscription-updates.test.ts).
    const retry = await charge(id, 1500, key);
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.json.period, 1);
    assert.deepEqual(await attempts(id), [[0, 1500, 'succeeded']], 'charged once');
    assert.equal(await ledger(id), 1);
    const saved = await stack.pool.query('SELECT response_status FROM idempotency_keys WHERE api_key_id = $1 AND key = $2', [adminKeyId, key]);
    assert.equal(saved.rows[0].response_status, 200, 'the retry saved the answer');

    // charge-now takes a key too.
    const nowKey = `now-${randomUUID()}`;
    const n1 = await stack.request('POST', `/v1/subscriptions/${id}/charge-now`, { body: { amount: 700 }, headers: { 'idempotency-key': nowKey } });
    const n2 = await stack.request('POST', `/v1/subscriptions/${id}/charge-now`, { body: { amount: 700 }, headers: { 'idempotency-key': nowKey } });
    assert.equal(n1.status, 200, n1.text);
    assert.deepEqual(n2.json, n1.json);
    assert.deepEqual(await attempts(id), [[0, 1500, 'succeeded'], [1, 700, 'succeeded']]);
  });

  it('saves the response in the transaction that creates the payment: a failed save leaves neither behind, so the retry creates exactly one', async () => {
    const customer = await createCustomer(stack);
    const key = `pay-${randomUUID()}`;
    // Make saving this key's response fail, as a crash between the insert and the save would.
    await stack.pool.query(`CREATE OR REPLACE FUNCTION tg_test_fail_save() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.key LIKE 'pay-%' AND NEW.response_status IS NOT NULL THEN RAISE EXCEPTION 'save failed (test)'; END IF; RETURN NEW; END $$`);
    await stack.pool.query('DROP TRIGGER IF EXISTS tg_test_fail_save ON idempotency_keys');
    await stack.pool.query('CREATE TRIGGER tg_test_fail_save BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION tg_test_fail_save()');
    const body = { customer_id: customer.id, amount: 2500, currency: 'PLN', gateway: 'sandbox', description: 'invoice 17', expires_in: 'PT30M' };
    try {
      const failed = await stack.request('POST', '/v1/payments', { body, headers: { 'idempotency-key': key } });
      assert.equal(failed.status, 500);
      const left = await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
      assert.equal(left.rows[0].n, 0, 'no payment without its saved response');
    } finally {
      await stack.pool.query('DROP TRIGGER IF EXISTS tg_test_fail_save ON idempotency_keys');
    }
    const created = await stack.request('POST', '/v1/payments', { body, headers: { 'idempotency-key': key } });
    assert.equal(created.status, 201, created.text);
    const replay = await stack.request('POST', '/v1/payments', { body, headers: { 'idempotency-key': key } });
    assert.equal(replay.json.id, created.json.id);
    const count = await stack.pool.query('SELECT count(*)::int AS n FROM payments WHERE customer_id = $1', [customer.id]);
    assert.equal(count.rows[0].n, 1);
  });

  it('expires keys after IDEMPOTENCY_KEY_TTL and deletes them in the background', async () => {
    const key = `cus-${randomUUID()}`;
    const first = await stack.request('POST', '/v1/customers', { body: { external_ref: `ttl-${randomUUID()}`, name: 'A' }, headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201);
    const other = { external_ref: `ttl-${randomUUID()}`, name: 'B' };
    assert.equal((await stack.request('POST', '/v1/customers', { body: other, headers: { 'idempotency-key': key } })).status, 422, 'within the TTL: another body is refused');
    await waitFor('the cleanup to delete the expired key', async () => {
      const r = await stack.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
      return r.rowCount === 0 ? true : undefined;
    }, 15_000);
    const reused = await stack.request('POST', '/v1/customers', { body: other, headers: { 'idempotency-key': key } });
    assert.equal(reused.status, 201, 'an expired key is a new request');
    assert.notEqual(reused.json.id, first.json.id);
  });
});
