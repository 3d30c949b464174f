import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { runCli, STACK_FRAME, startEnv } from '../support/cli-run.js';
import { testEnv } from '../support/env.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { writeGatewaysFile } from '../support/gateways-file.js';

/**
 * TOLLGATE_ENV=production as an attacker meets it: the processes refuse development defaults, the
 * sandbox's unauthenticated Approve does not exist, the pay page offers live gateways only; and a
 * Temporal that npm start did not start gets its search attributes from `tollgate temporal setup`.
 */
const bankTransfer = (name: string, mode: 'test' | 'live') => ({
  name,
  adapter: 'bank_transfer',
  label: `Transfer ${mode}`,
  mode,
  account: { iban: 'DE89370400440532013000', holder: 'Example ISP GmbH' },
});
const productionEnv = (gatewaysFile: string): Record<string, string> => ({
  TOLLGATE_ENV: 'production',
  TOLLGATE_GATEWAYS_FILE: gatewaysFile,
  // Only the config sees this URL; the stack's pool uses the run's database.
  DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@127.0.0.1:1/tollgate',
  AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
  TOLLGATE_ADMIN_API_KEY: 'k'.repeat(40),
});

/** The exit code, or null after killing a process that is still running (it did not refuse to start). */
async function exitCode(run: ReturnType<typeof runCli>, ms = 30_000): Promise<number | null> {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

function assertOneSentence(stderr: string, reason: RegExp): void {
  const said = stderr.trim();
  assert.doesNotMatch(said, STACK_FRAME, said);
  assert.equal(said.split('\n').length, 1, said);
  assert.match(said, /Refusing to start with TOLLGATE_ENV=production: /);
  assert.match(said, reason);
}

describe('production processes refuse development defaults', () => {
  const devDefaults = (over: Record<string, string>) =>
    startEnv({ ...productionEnv(join(projectRoot(), 'config', 'gateways.yaml')), DATABASE_URL: testEnv.databaseUrl(), TEMPORAL_ADDRESS: testEnv.temporalAddress(), ...over });

  it('the API exits 1 with one sentence for the sandbox adapter and the Postgres default', { timeout: 60_000 }, async () => {
    const run = runCli([], devDefaults({}), join('src', 'api', 'main.ts'));
    assert.equal(await exitCode(run), 1, run.stderr());
    assertOneSentence(run.stderr(), /gateway "sandbox" uses the sandbox adapter.*DATABASE_URL/);
  });

  it('the worker exits 1 with one sentence for the amount hook default and a short admin key', { timeout: 60_000 }, async () => {
    const run = runCli([], devDefaults({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([bankTransfer('bt', 'live')]), AMOUNT_HOOK_SECRET: '', TOLLGATE_ADMIN_API_KEY: 'short-key' }), join('src', 'worker', 'main.ts'));
    assert.equal(await exitCode(run), 1, run.stderr());
    assertOneSentence(run.stderr(), /AMOUNT_HOOK_SECRET.*TOLLGATE_ADMIN_API_KEY has 9 characters/);
  });

  it('the CLI refuses the same way (migrate, without a gateways file of its own)', { timeout: 60_000 }, async () => {
    const run = runCli(['migrate'], devDefaults({ TOLLGATE_GATEWAYS_FILE: '' }));
    assert.equal(await exitCode(run), 1, run.stderr());
    assertOneSentence(run.stderr().replace(/^\[tollgate\] /, ''), /TOLLGATE_GATEWAYS_FILE is not set/);
  });
});

describe('an API in production without sandbox gateways', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack(productionEnv(writeGatewaysFile([bankTransfer('transfer_live', 'live'), bankTransfer('transfer_test', 'test')])), { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('has no /sandbox routes: no unauthenticated Approve, no ledger', async () => {
    for (const [method, path] of [
      ['POST', `/sandbox/checkout/pay_${randomUUID()}/approve`],
      ['POST', `/sandbox/checkout/pay_${randomUUID()}/approve-silently`],
      ['GET', `/sandbox/checkout/pay_${randomUUID()}`],
      ['GET', '/sandbox/ledger'],
    ] as const) {
      const res = await stack.request(method, path);
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, `${method} ${path} is no route at all`);
      assert.match(res.json.detail, /no route/);
    }
  });

  it('offers a payer live gateways only, and refuses a test-mode one posted by hand', async () => {
    const customer = await createCustomer(stack);
    const link = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 4900, currency: 'PLN', description: 'Internet' } });
    assert.equal(link.status, 201, link.text);
    const page = await stack.request('GET', `/pay/${link.json.token}`, { key: null });
    assert.equal(page.status, 200);
    assert.match(page.text, /Pay now — Transfer live/);
    assert.doesNotMatch(page.text, /transfer_test|Transfer test|Test mode/);
    const forced = await stack.request('POST', `/pay/${link.json.token}`, { key: null, raw: 'gateway=transfer_test', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(forced.status, 400);
    assert.match(forced.text, /not available/);
  });
});

describe('development shows test-mode gateways, marked as test', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('marks every shipped gateway as test mode on the pay page', async () => {
    const customer = await createCustomer(stack);
    const link = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 4900, currency: 'PLN', description: 'Internet' } });
    const page = await stack.request('GET', `/pay/${link.json.token}`, { key: null });
    assert.equal([...page.text.matchAll(/>Pay now — /g)].length, 3);
    assert.equal([...page.text.matchAll(/Test mode: no real money moves\./g)].length, 3);
  });
});

/** Written out rather than imported, so this file also runs (and fails) against the code before setup existed. */
const SEARCH_ATTRIBUTES = ['TollgateKind', 'TollgateCustomerId', 'TollgateState', 'TollgateNextActionAt', 'TollgateAmountMinor'];

describe('a Temporal namespace that npm start did not set up', () => {
  const namespace = `tg-${randomUUID().slice(0, 8)}`;
  let connection: Connection;
  let stack: TestStack;
  before(async () => {
    connection = await Connection.connect({ address: testEnv.temporalAddress() });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await waitFor('the new namespace', async () => (await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => undefined)), 30_000);
    stack = await startTestStack({ TEMPORAL_NAMESPACE: namespace }, { worker: false });
  });
  after(async () => {
    await stack?.close();
    await connection?.close();
  });

  const pay = (customerId: string) =>
    stack.request('POST', '/v1/payments', {
      headers: { 'idempotency-key': `k-${randomUUID()}` },
      body: { customer_id: customerId, amount: 1815, currency: 'PLN', gateway: 'sandbox', description: 'Internet', expires_in: 'PT30M' },
    });

  it('says a start was refused for missing search attributes, not that Temporal is unreachable; setup fixes it and is idempotent', { timeout: 120_000 }, async () => {
    const customer = await createCustomer(stack);
    const refused = await pay(customer.id);
    assert.equal(refused.status, 503, refused.text);
    assert.doesNotMatch(refused.json.detail, /unreachable/);
    assert.match(refused.json.detail, /search attributes are not registered.*tollgate temporal setup/);

    const env = startEnv({ TEMPORAL_ADDRESS: testEnv.temporalAddress(), TEMPORAL_NAMESPACE: namespace });
    const first = runCli(['temporal', 'setup'], env);
    assert.equal(await first.exited, 0, first.stderr());
    assert.match(first.stdout(), new RegExp(`registered search attributes in namespace "${namespace}": ${SEARCH_ATTRIBUTES.join(', ')}`));
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    for (const name of SEARCH_ATTRIBUTES) assert.ok(listed.customAttributes?.[name] !== undefined, name);

    const again = runCli(['temporal', 'setup'], env);
    assert.equal(await again.exited, 0, again.stderr());
    assert.match(again.stdout(), /already registered/);

    const accepted = await waitFor('a payment start to be accepted', async () => {
      const res = await pay(customer.id);
      return res.status === 201 ? res : undefined;
    }, 30_000);
    assert.equal(accepted.status, 201);
  });

  it('setup against a namespace that does not exist says so in one sentence', { timeout: 60_000 }, async () => {
    const run = runCli(['temporal', 'setup'], startEnv({ TEMPORAL_ADDRESS: testEnv.temporalAddress(), TEMPORAL_NAMESPACE: `missing-${randomUUID().slice(0, 8)}` }));
    assert.equal(await run.exited, 1, run.stderr());
    assert.doesNotMatch(run.stderr(), STACK_FRAME);
    assert.match(run.stderr().trim(), /^\[tollgate\] namespace "missing-[^"]+" does not exist on this Temporal .*\.$/);
  });
});
