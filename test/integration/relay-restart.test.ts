import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureTemporalCli } from '../../src/cli/provision/temporal-cli.js';
import { type DevServer, startTemporalDevServer } from '../../src/cli/stack/temporal-dev-server.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * A callback that arrives while Temporal is down is journaled and answered, and the relay delivers
 * it once Temporal is back. This file runs its own dev server (state in a file, so it survives the
 * restart) because stopping the run's shared one would disturb the other test files.
 */
describe('callback relay across a Temporal restart', () => {
  let stack: TestStack;
  let server: DevServer;
  let cli: string;
  let port: number;
  let dir: string;
  const start = () => startTemporalDevServer({ cli, port, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log') });

  before(async () => {
    cli = await ensureTemporalCli({ cacheOverride: process.env.TOLLGATE_CACHE_DIR, env: process.env, log: () => undefined, explicit: process.env.TEMPORAL_CLI });
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-relay-'));
    server = await start();
    stack = await startTestStack({ TEMPORAL_ADDRESS: server.address });
  });
  after(async () => {
    await stack?.close();
    await server?.child.stop();
  });

  it('delivers a callback journaled while Temporal was stopped once it is restarted', async () => {
    const customer = await createCustomer(stack);
    const payment = await createPayment(stack, customer.id);

    await server.child.stop();
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: payment.id, transaction_id: `t-${randomUUID()}`, code: '00' } });
    const headers = webhookHeaders(stack.config.SANDBOX_WEBHOOK_SECRET, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body);
    const res = await stack.request('POST', '/v1/callbacks/sandbox', { raw: body, key: null, headers: { 'content-type': 'application/json', ...headers } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'accepted', 'journaled and acknowledged; the signal follows the answer');
    // The dispatcher's signal after the answer fails and records its attempt; the row stays accepted.
    const row = await waitFor('the failed signal to be recorded', async () => {
      const r = await stack.pool.query('SELECT outcome, attempts FROM inbound_requests WHERE id = $1', [res.json.journal_id]);
      return r.rows[0].attempts >= 1 ? r.rows[0] : undefined;
    });
    assert.equal(row.outcome, 'accepted');
    assert.equal((await stack.request('GET', `/v1/payments/${payment.id}`)).json.status, 'pending');
    const waiting = await stack.request('GET', '/v1/callbacks?outcome=accepted');
    assert.ok(waiting.json.data.some((e: { id: number }) => e.id === res.json.journal_id), 'the journal shows it waiting');

    server = await start();
    const delivered = await waitFor('the relay to deliver', async () => {
      const r = await stack.pool.query('SELECT outcome FROM inbound_requests WHERE id = $1', [res.json.journal_id]);
      return r.rows[0].outcome === 'delivered' ? true : undefined;
    }, 60_000);
    assert.ok(delivered);
    const done = await waitFor('the payment to succeed', async () => {
      const p = await stack.request('GET', `/v1/payments/${payment.id}`);
      return p.json.status === 'succeeded' ? p.json : undefined;
    }, 60_000);
    assert.equal(done.gateway_code, '00');
  });

  it('tells a temporary payment about a hand match made while Temporal was stopped, once it is back', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 2500, currency: 'PLN', gateway: 'sandbox_deferred' } });
    await stack.request('POST', `/sandbox/checkout/${p.json.id}/approve`, { key: null });
    const t = await waitFor('the temporary payment', async () => (await stack.request('GET', `/v1/temporary-payments?customer_id=${customer.id}`)).json.data[0]);
    const sta = [':20:HAND', ':25:PL61109010140000071219812874', ':28C:1/1', ':60F:C261127PLN0,00', ':61:2611271127C25,00NTRFNONREF//HAND-1', ':86:Wplata bez tytulu', ':62F:C261127PLN25,00', '-'].join('\n');
    const imported = await stack.request('POST', '/v1/bank-statements', { raw: sta, headers: { 'content-type': 'application/octet-stream' } });
    const line = imported.json.lines[0];
    assert.equal(line.outcome, 'no_reference', imported.text);

    await server.child.stop();
    const paired = await stack.request('POST', `/v1/bank-lines/${line.id}/match`, { body: { temporary_payment_id: t.id } });
    assert.equal(paired.status, 200, paired.text);
    assert.equal(paired.json.outcome, 'matched');
    assert.equal((await stack.request('GET', `/v1/temporary-payments/${t.id}`)).json.status, 'open', 'not settled while Temporal is away');

    server = await start();
    const settled = await waitFor('the relay to tell the workflow', async () => {
      const row = (await stack.request('GET', `/v1/temporary-payments/${t.id}`)).json;
      return row.status === 'settled' ? row : undefined;
    }, 60_000);
    assert.deepEqual([settled.settled_reason, settled.bank_line_id], ['bank', line.id]);
  });

  it('stores a statement uploaded while Temporal was stopped (503) and matches it once Temporal is back', async () => {
    const customer = await createCustomer(stack);
    const vs = (await stack.request('GET', '/v1/variable-symbol')).json.reference as string;
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 3100, currency: 'PLN', gateway: 'bank_transfer', reference: vs } });
    assert.equal(p.status, 201, p.text);
    const sta = [':20:AWAY', ':25:PL61109010140000071219812874', ':28C:1/1', ':60F:C261127PLN0,00', ':61:2611271127C31,00NTRFNONREF//AWAY-1', `:86:Przelew ${vs}`, ':62F:C261127PLN31,00', '-'].join('\n');

    await server.child.stop();
    const refused = await stack.request('POST', '/v1/bank-statements', { raw: sta, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(refused.status, 503, refused.text);
    assert.match(refused.json.detail, /stored as stm_/);

    server = await start();
    const paid = await waitFor('the relay to start the import and the line to pay the transfer', async () => {
      const r = (await stack.request('GET', `/v1/payments/${p.json.id}`)).json;
      return r.status === 'succeeded' ? r : undefined;
    }, 60_000);
    assert.equal(paid.gateway_code, 'bank_statement');
  });
});
