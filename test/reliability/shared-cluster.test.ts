import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { testEnv } from '../support/env.js';
import { apiClient, call, signedSandboxCallback } from './support/http.js';

/**
 * The runner's shared cluster works as the other reliability files expect: a payment created
 * through the first API and completed by a signed callback through the second is succeeded in the
 * ledger, with its callback journaled once.
 */
describe('the shared reliability cluster', () => {
  const pool = new pg.Pool({ connectionString: testEnv.databaseUrl(), max: 2 });
  after(() => pool.end());

  it('serves a payment across both APIs on the real Temporal server', { timeout: 120_000 }, async () => {
    const [first, second] = testEnv.apiUrls();
    assert.ok(first && second, 'two API URLs');
    const key = testEnv.adminKey();
    const api = apiClient([first], key);
    const customer = await api('POST', '/v1/customers', { external_ref: `rel-${randomUUID()}`, name: 'Rel', email: 'rel@example.com' });
    assert.equal(customer.status, 201, JSON.stringify(customer.json));
    const payment = await api('POST', '/v1/payments', { customer_id: customer.json.id, amount: 1815, currency: 'PLN', gateway: 'sandbox', description: 'rel' });
    assert.equal(payment.status, 201, JSON.stringify(payment.json));

    const callback = signedSandboxCallback(payment.json.id);
    const res = await call(second, 'POST', '/v1/callbacks/sandbox', callback);
    assert.equal(res.status, 200, JSON.stringify(res.json));

    let status = '';
    for (let i = 0; i < 120 && status !== 'succeeded'; i++) {
      const row = await pool.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [payment.json.id]);
      status = row.rows[0]?.status ?? '';
      if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 'succeeded');
    const journal = await pool.query("SELECT outcome FROM inbound_requests WHERE payment_id = $1", [payment.json.id]);
    assert.equal(journal.rowCount, 1);
  });
});
