import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { insertNotification } from '../../src/db/notifications.js';
import { startNotificationWorkflow } from '../../src/temporal/notification-start.js';
import { privateDir, processesMentioning, runCli, startEnv } from '../support/cli-run.js';
import { freeApiBase } from '../support/cluster-ports.js';
import { testEnv } from '../support/env.js';
import { freePort } from '../support/free-port.js';
import { waitForMessages } from '../support/mailpit.js';
import { TEST_TEMPLATE_DATA, TEST_TEMPLATE_SUBJECT, testTemplatesDir } from '../support/mail-templates.js';
import { processesWithEnv } from '../support/proc-env.js';

/**
 * `tollgate start --cluster` with SMTP_URL unset runs Mailpit on the ports it is given, prints its
 * UI, and hands its SMTP_URL to every Tollgate process: a notification whose workflow runs on the
 * cluster's worker arrives in that Mailpit. The run's Temporal dev server (TEMPORAL_ADDRESS) and a
 * database of this test's own on the run's Postgres stand in for what the cluster would start.
 */
describe('start --cluster runs Mailpit while SMTP_URL is unset', () => {
  it('prints its UI, points the worker at it, and stops it with the rest', { timeout: 240_000 }, async () => {
    const dataDir = join(privateDir('tollgate-cluster-mail-'), '.data');
    const database = `mail_cluster_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: testEnv.postgresAdminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const dbUrl = new URL(testEnv.postgresAdminUrl());
    dbUrl.pathname = `/${database}`;
    const [uiPort, smtpPort] = [await freePort(), await freePort()];
    const taskQueue = `mail-cluster-${randomUUID()}`;
    const run = runCli(['start', '--cluster'], startEnv({
      SMTP_URL: '',
      EMAIL_TEMPLATES_DIR: testTemplatesDir(),
      TOLLGATE_MAILPIT_PORT: String(uiPort),
      TOLLGATE_SMTP_PORT: String(smtpPort),
      TEMPORAL_ADDRESS: testEnv.temporalAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: dbUrl.toString(),
      TOLLGATE_DATA_DIR: dataDir,
      PORT: String(await freeApiBase()),
      TOLLGATE_WORKERS: '1',
      TOLLGATE_APIS: '1',
    }));
    const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 2 });
    try {
      const deadline = Date.now() + 180_000;
      while (!/\[tollgate\] ready\./.test(run.stdout())) {
        const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('waiting'), 250))]);
        assert.equal(code, 'waiting', `start --cluster exited (${String(code)}); stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
        assert.ok(Date.now() < deadline, `not ready after 180 s; stdout:\n${run.stdout()}`);
      }
      const ui = `http://127.0.0.1:${uiPort}`;
      assert.match(run.stdout(), new RegExp(`Mailpit +${ui.replace(/\./g, '\\.')} .*smtp://127\\.0\\.0\\.1:${smtpPort}`));
      const workers = processesWithEnv('TOLLGATE_DATA_DIR', dataDir).filter((p) => p.cmdline.includes('src/worker/main.ts'));
      assert.equal(workers.length, 1);
      assert.equal(workers[0]?.env.SMTP_URL, `smtp://127.0.0.1:${smtpPort}`);

      const customerId = `cus_${randomUUID().slice(0, 12)}`;
      await pool.query(`INSERT INTO customers (id, external_ref, name) VALUES ($1, $2, 'Jan')`, [customerId, `ext-${customerId}`]);
      const to = `cluster-${randomUUID()}@example.test`;
      const id = await insertNotification(pool, {
        audience: 'customer', type: 'payment_received', customerId, dedupeKey: `test:${randomUUID()}`, recipients: [to], locale: 'en',
        data: TEST_TEMPLATE_DATA,
      });
      assert.ok(id);
      const connection = await Connection.connect({ address: testEnv.temporalAddress() });
      try {
        await startNotificationWorkflow(new Client({ connection }), taskQueue, { id, customerId });
      } finally {
        await connection.close();
      }
      const [mail] = await waitForMessages(to, 1, { base: ui, timeoutMs: 60_000 });
      assert.equal(mail?.Subject, TEST_TEMPLATE_SUBJECT);
    } finally {
      await pool.end();
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0, run.stderr());
    }
    assert.deepEqual(processesMentioning(dataDir), [], 'Mailpit stopped with the rest');
  });
});
