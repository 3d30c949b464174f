import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { cachedTemporalServer, temporalServerDir } from '../../src/cli/provision/temporal-server.js';
import { cachedTemporalUiServer, temporalUiServerDir } from '../../src/cli/provision/temporal-ui-server.js';
import { portIsFree } from '../../src/cli/stack/ports.js';
import { createServer } from 'node:net';
import { privateDir, processesMentioning, runCli, STACK_FRAME, startEnv } from '../support/cli-run.js';
import { freeApiBase, freeTemporalBase } from '../support/cluster-ports.js';
import { freePort } from '../support/free-port.js';
import { processesWithEnv } from '../support/proc-env.js';
import { tollgateProcessEnv } from '../../src/cli/cluster-twin.js';
import { loadConfig } from '../../src/config.js';

/**
 * `tollgate start --cluster` on free ports: the real Temporal server on the embedded Postgres, three
 * workers and two APIs; a sandbox payment created and approved through API #2 completes, its
 * workflow is found by TollgateCustomerId — through the SDK and through the Temporal UI server's
 * HTTP API — and SIGTERM leaves nothing running. The server and the UI server are built by
 * `tollgate provision` or the first `npm run start:cluster` (minutes), never by the tests.
 */
const cache = process.env.TOLLGATE_CACHE_DIR;
const skip = !cachedTemporalServer(cache)
  ? `the cluster's Temporal server is not built in ${temporalServerDir(cache)} yet (run \`npm run tollgate -- provision\` once)`
  : !cachedTemporalUiServer(cache)
    ? `the cluster's Temporal UI server is not built in ${temporalUiServerDir(cache)} yet (run \`npm run tollgate -- provision\` once)`
    : false;

describe('tollgate start --cluster', { skip }, () => {
  it('runs a payment through API #2 on the real Temporal server and stops cleanly', { timeout: 240_000 }, async () => {
    const dataDir = join(privateDir('tollgate-cluster-'), '.data');
    const temporalPort = await freeTemporalBase();
    const apiPort = await freeApiBase();
    const uiPort = await freePort();
    const adminKey = 'tg_cluster_test_admin_key_0123456789abcdef';
    const run = runCli(
      ['start', '--cluster'],
      startEnv({
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_TEMPORAL_PORT: String(temporalPort),
        TOLLGATE_POSTGRES_PORT: String(await freePort()),
        PORT: String(apiPort),
        TOLLGATE_UI_PORT: String(uiPort),
        TOLLGATE_ADMIN_API_KEY: adminKey,
        LOG_LEVEL: 'warn',
      }),
    );
    try {
      const deadline = Date.now() + 180_000;
      while (!/\[tollgate\] ready\./.test(run.stdout())) {
        const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('waiting'), 250))]);
        assert.equal(code, 'waiting', `start --cluster exited (${String(code)}); stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
        assert.ok(Date.now() < deadline, `not ready after 180 s; stdout:\n${run.stdout()}`);
      }
      assert.match(run.stdout(), /3 processes on task queue/);
      assert.match(run.stdout(), new RegExp(`Temporal UI   http://localhost:${uiPort}\\n`));

      // What each Tollgate process was really given: compose's variables (cluster-twin.ts), pointing here.
      const children = processesWithEnv('TOLLGATE_DATA_DIR', dataDir).filter((p) => /src\/(api|worker)\/main\.ts/.test(p.cmdline));
      assert.equal(children.filter((p) => p.cmdline.includes('src/worker/main.ts')).length, 3, 'three workers');
      assert.deepEqual(children.filter((p) => p.cmdline.includes('src/api/main.ts')).map((p) => p.env.PORT).sort(), [String(apiPort), String(apiPort + 1)]);
      const names = Object.keys(tollgateProcessEnv(loadConfig({}), { databaseUrl: '', temporalAddress: '', adminKey: '' }));
      for (const child of children) {
        for (const name of names) assert.ok(child.env[name] !== undefined, `${child.cmdline} has ${name}`);
        assert.equal(child.env.TEMPORAL_ADDRESS, `127.0.0.1:${temporalPort}`);
        assert.equal(child.env.TOLLGATE_ADMIN_API_KEY, adminKey);
        assert.match(child.env.DATABASE_URL ?? '', /@127\.0\.0\.1:\d+\/tollgate$/);
        assert.equal(child.env.LOG_LEVEL, 'warn');
      }

      const api2 = `http://127.0.0.1:${apiPort + 1}`;
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${api2}${path}`, {
          method,
          redirect: 'manual',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : {} };
      };
      const customer = await call('POST', '/v1/customers', { external_ref: 'cluster-1', name: 'Cluster', email: 'cluster@example.com' });
      assert.equal(customer.status, 201, JSON.stringify(customer.json));
      const payment = await call('POST', '/v1/payments', { customer_id: customer.json.id, amount: 1234, currency: 'PLN', gateway: 'sandbox', description: 'cluster' });
      assert.equal(payment.status, 201, JSON.stringify(payment.json));
      const approved = await call('POST', `/sandbox/checkout/${payment.json.id}/approve`);
      assert.ok(approved.status < 400, `approve: ${approved.status}`);
      let status = '';
      for (let i = 0; i < 120 && status !== 'succeeded'; i++) {
        status = (await call('GET', `/v1/payments/${payment.json.id}`)).json.status as string;
        if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(status, 'succeeded');

      const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
      try {
        const client = new Client({ connection, namespace: 'default' });
        // The customer's payment workflow, found by search attribute. Its receipt e-mail's
        // notification workflow carries the customer too, and shows up whenever it has started.
        const wanted = `payment:${payment.json.id}`;
        let ids: string[] = [];
        for (let i = 0; i < 40 && !ids.includes(wanted); i++) {
          ids = [];
          for await (const wf of client.workflow.list({ query: `TollgateCustomerId = '${customer.json.id}'` })) ids.push(wf.workflowId);
          if (!ids.includes(wanted)) await new Promise((r) => setTimeout(r, 250));
        }
        assert.ok(ids.includes(wanted), `listed: ${ids.join(', ')}`);
        assert.deepEqual(ids.filter((id) => !id.startsWith('notification:')), [wanted]);
      } finally {
        await connection.close();
      }

      // The UI: its page, and its HTTP API (what the page calls) listing the same workflow.
      const ui = `http://127.0.0.1:${uiPort}`;
      const page = await fetch(`${ui}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
      const query = encodeURIComponent(`TollgateCustomerId = '${customer.json.id}'`);
      const listed = await fetch(`${ui}/api/v1/namespaces/default/workflows?query=${query}`);
      assert.equal(listed.status, 200, await listed.clone().text());
      const body = (await listed.json()) as { executions?: Array<{ execution?: { workflowId?: string }; status?: string }> };
      const payments = (body.executions ?? []).filter((e) => !e.execution?.workflowId?.startsWith('notification:'));
      assert.deepEqual(payments.map((e) => e.execution?.workflowId), [`payment:${payment.json.id}`]);
      assert.equal(payments[0]?.status, 'WORKFLOW_EXECUTION_STATUS_COMPLETED');
    } finally {
      run.child.kill('SIGTERM');
      const code = await run.exited;
      assert.equal(code, 0, `exit code after SIGTERM; stderr:\n${run.stderr()}`);
    }
    assert.match(run.stdout(), /\[tollgate\] stopped\./);
    assert.deepEqual(processesMentioning(dataDir), [], 'no process of this cluster survives');
    assert.deepEqual(processesWithEnv('TOLLGATE_DATA_DIR', dataDir).map((p) => p.cmdline), [], 'no worker or API either');
    assert.ok(await portIsFree(uiPort, '127.0.0.1'), 'the UI port is free again');
  });

  it('stops with one sentence naming TOLLGATE_UI_PORT when the UI port is taken, before starting anything', { timeout: 120_000 }, async () => {
    const uiPort = await freePort();
    const stranger = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => stranger.listen(uiPort, '127.0.0.1', resolve));
    const dataDir = join(privateDir('tollgate-cluster-ui-taken-'), '.data');
    try {
      const run = runCli(
        ['start', '--cluster'],
        startEnv({
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_TEMPORAL_PORT: String(await freeTemporalBase()),
          TOLLGATE_POSTGRES_PORT: String(await freePort()),
          PORT: String(await freeApiBase()),
          TOLLGATE_UI_PORT: String(uiPort),
        }),
      );
      assert.equal(await run.exited, 1, run.stdout());
      const said = run.stderr().trim();
      assert.equal(said.split('\n').length, 1, said);
      assert.doesNotMatch(said, STACK_FRAME);
      assert.match(said, new RegExp(`Port ${uiPort} \\(Temporal UI\\) is already in use: .*TOLLGATE_UI_PORT`));
      assert.doesNotMatch(run.stdout(), /starting|embedded Postgres is up/, 'nothing was started');
      assert.deepEqual(processesMentioning(dataDir), []);
    } finally {
      stranger.close();
    }
  });
});
