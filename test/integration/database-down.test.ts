import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/api/create-app.js';
import { createPool } from '../../src/db/pool.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * A callback that arrives while Postgres is down cannot be journaled, so it must not be accepted —
 * and must be refused as an outage the gateway retries (503 problem+json), not as our bug (500).
 * Found by the reliability suite (test/reliability/callbacks-restarts.test.ts), which saw 500s.
 */
describe('the API while its database is unreachable', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('answers a signed callback 503 problem+json, with Retry-After', async () => {
    const down = createPool(`postgres://tollgate:tollgate@127.0.0.1:${await freePort()}/gone`, 1);
    try {
      const app = createApp({ ...stack.deps, pool: down });
      const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: 'pay_missing', transaction_id: `t-${randomUUID()}` } });
      const headers = webhookHeaders(stack.deps.config.SANDBOX_WEBHOOK_SECRET, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body);
      const res = await app.request('/v1/callbacks/sandbox', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal(res.headers.get('retry-after'), '1');
      const problem = (await res.json()) as { status: number; code: string; detail: string };
      assert.deepEqual([problem.status, problem.code], [503, 'service_unavailable']);
      assert.doesNotMatch(problem.detail, /ECONNREFUSED|127\.0\.0\.1/, 'no internals leak');
    } finally {
      await down.end();
    }
  });
});
