import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { ensureTemporalCli } from '../../src/cli/provision/temporal-cli.js';
import { type DevServer, startTemporalDevServer } from '../../src/cli/stack/temporal-dev-server.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { testEnv } from '../support/env.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * A real API process (src/api/main.ts) stopped with SIGTERM while its dispatcher still holds
 * answered callbacks whose signals are in flight: it must finish them (CALLBACK_DISPATCH_DRAIN_MS)
 * before it closes its pool. Temporal is made slow for real — its own dev server SIGSTOPped, so the
 * signals wait — which is why this file runs a dev server of its own, not the run's shared one.
 */
describe('an API stopped with callbacks still being signalled', () => {
  let stack: TestStack;
  let server: DevServer;
  let api: ChildProcess | undefined;
  before(async () => {
    const cli = await ensureTemporalCli({ cacheOverride: process.env.TOLLGATE_CACHE_DIR, env: process.env, log: () => undefined, explicit: process.env.TEMPORAL_CLI });
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-shutdown-'));
    server = await startTemporalDevServer({ cli, port: await freePort(), logFile: join(dir, 'temporal.log') });
    stack = await startTestStack({ TEMPORAL_ADDRESS: server.address });
  });
  after(async () => {
    server?.child.process.kill('SIGCONT');
    api?.kill('SIGKILL');
    await stack?.close();
    await server?.child.stop();
  });

  it('drains its dispatcher on SIGTERM: every answered callback is delivered before it exits', { timeout: 120_000 }, async () => {
    const port = await freePort();
    api = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: projectRoot(),
      env: {
        ...process.env,
        DATABASE_URL: testEnv.databaseUrl(),
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // Long enough that the signals outlast the pause below, rather than fail into the relay.
        CALLBACK_SIGNAL_TIMEOUT_MS: '20000',
        CALLBACK_DISPATCH_DRAIN_MS: '30000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => api?.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the API to listen', async () => (await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false)) || undefined, 60_000);

    const send = async (paymentId: string) => {
      const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: paymentId, transaction_id: `t-${randomUUID()}`, code: '00' } });
      const headers = webhookHeaders(stack.config.SANDBOX_WEBHOOK_SECRET, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body);
      const res = await fetch(`${url}/v1/callbacks/sandbox`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      return (await res.json()) as { status: string; journal_id: number };
    };
    const customer = await createCustomer(stack);
    const payments = await Promise.all(Array.from({ length: 6 }, () => createPayment(stack, customer.id)));
    // One callback first, so the API's connection to Temporal is up before Temporal stops.
    const first = payments.shift();
    assert.ok(first);
    assert.equal((await send(first.id)).status, 'accepted');

    server.child.process.kill('SIGSTOP');
    const receipts = await Promise.all(payments.map((p) => send(p.id)));
    assert.deepEqual(receipts.map((r) => r.status), payments.map(() => 'accepted'), 'answered without waiting for Temporal');
    const ids = receipts.map((r) => r.journal_id);
    const rows = async () =>
      (await stack.pool.query<{ outcome: string; attempts: number }>('SELECT outcome, attempts FROM inbound_requests WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).rows;
    assert.deepEqual(await rows(), ids.map(() => ({ outcome: 'accepted', attempts: 0 })), 'queued: journaled, not yet signalled');

    api.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000)); // the API is draining, its signals waiting on the paused server
    server.child.process.kill('SIGCONT');
    assert.equal(await exited, 0);
    api = undefined;
    // Marked by the stopping API itself: the relay would not take these rows for over a minute
    // (no attempt recorded, and younger than dispatchBoundMs + CALLBACK_RELAY_GRACE_MS).
    assert.deepEqual(await rows(), ids.map(() => ({ outcome: 'delivered', attempts: 1 })));
    for (const p of payments) {
      await waitFor(`payment ${p.id} to succeed`, async () => ((await stack.request('GET', `/v1/payments/${p.id}`)).json.status === 'succeeded' ? true : undefined), 30_000);
    }
  });
});
