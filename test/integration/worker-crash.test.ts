import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { testEnv } from '../support/env.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/** A real worker process (src/worker/main.ts) on the stack's task queue. */
function startWorkerProcess(taskQueue: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: projectRoot(),
    env: { ...process.env, DATABASE_URL: testEnv.databaseUrl(), TEMPORAL_ADDRESS: testEnv.temporalAddress(), TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('a worker killed while a charge is in flight', () => {
  let stack: TestStack;
  const workers: ChildProcess[] = [];
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await stack?.close();
  });

  it('charges the period exactly once and leaves a final attempt row', async () => {
    const first = startWorkerProcess(stack.config.TEMPORAL_TASK_QUEUE);
    workers.push(first);
    const customer = await createCustomer(stack);
    // The slow sandbox card books the charge at the bank, then takes 3 s to answer.
    const res = await stack.request('POST', '/v1/subscriptions', {
      body: { customer_id: customer.id, gateway: 'sandbox', payment_method: { token: 'sandbox_slow_approve' }, amount: 2500, currency: 'EUR', schedule: { kind: 'interval', duration: 'PT1H' }, time_zone: 'UTC', first_charge_at: new Date().toISOString() },
    });
    assert.equal(res.status, 201, res.text);
    const id: string = res.json.id;
    await waitFor('the charge to reach the bank', async () => {
      const r = await stack.pool.query('SELECT 1 FROM sandbox_ledger WHERE idempotency_key = $1', [`${id}:0:0`]);
      return r.rowCount === 1 ? true : undefined;
    }, 60_000);
    first.kill('SIGKILL'); // mid-charge: booked at the bank, answer not yet received
    const attemptRow = await stack.pool.query('SELECT status FROM charge_attempts WHERE idempotency_key = $1', [`${id}:0:0`]);
    assert.equal(attemptRow.rows[0].status, 'pending', 'the worker died before recording the answer');

    workers.push(startWorkerProcess(stack.config.TEMPORAL_TASK_QUEUE));
    const done = await waitFor('the restarted worker to finish the charge', async () => {
      const s = await stack.request('GET', `/v1/subscriptions/${id}`);
      return s.json.period === 1 ? s.json : undefined;
    }, 90_000);
    assert.deepEqual(done.attempts.map((a: any) => [a.period, a.attempt, a.status]), [[0, 0, 'succeeded']]);
    const ledger = await stack.request('GET', `/sandbox/ledger?key_prefix=${id}:`);
    assert.equal(ledger.json.data.length, 1, 'exactly one charge reached the bank');
  });
});
