import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createNotificationActivities } from '../../src/activities/notifications.js';
import { type Mailpit, startMailpit } from '../../src/cli/stack/mailpit.js';
import { findNotification } from '../../src/db/notification-sends.js';
import { insertNotification } from '../../src/db/notifications.js';
import { createPool } from '../../src/db/pool.js';
import { createMailer } from '../../src/notifications/mailer.js';
import type { notificationWorkflow } from '../../src/workflows/notification.js';
import { testEnv } from '../support/env.js';
import { freePort } from '../support/free-port.js';
import { messagesTo } from '../support/mailpit.js';
import { TEST_TEMPLATE_DATA, testTemplatesDir } from '../support/mail-templates.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

/**
 * The retry policy of sending (NOTIFICATION_SENDING) on the time-skipping server, with the real
 * activities, the test database and a real SMTP client towards a port where no server listens — an
 * outage of days that runs in seconds.
 */
describe('notification workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let pool: pg.Pool;
  let dir: string;
  let customerId: string;
  const templates = testTemplatesDir();
  before(async () => {
    env = await createTimeSkippingEnv();
    pool = createPool(testEnv.databaseUrl(), 4);
    dir = mkdtempSync(join(tmpdir(), 'tollgate-ntf-wf-'));
    customerId = `cus_${randomUUID().slice(0, 12)}`;
    await pool.query(`INSERT INTO customers (id, external_ref, name) VALUES ($1, $2, 'Jan')`, [customerId, `ext-${customerId}`]);
  });
  after(async () => {
    await pool?.end();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(smtpPort: number, during?: () => Promise<void>) {
    const to = `wf-${randomUUID()}@example.test`;
    const id = await insertNotification(pool, {
      audience: 'customer', type: 'payment_received', customerId, dedupeKey: `test:${randomUUID()}`, recipients: [to], locale: 'en',
      data: TEST_TEMPLATE_DATA,
    });
    assert.ok(id);
    const taskQueue = `tq-${randomUUID()}`;
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'tollgate@tollgate.test' });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createNotificationActivities({ pool, mailer, messageIdHost: 'tollgate.test', emailTemplatesDir: templates }),
    });
    try {
      const outcome = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start<typeof notificationWorkflow>('notificationWorkflow', { taskQueue, workflowId: `notification:${id}`, args: [{ notificationId: id }] });
        if (during) await during();
        return handle.result();
      });
      const row = await findNotification(pool, id);
      assert.ok(row);
      return { outcome, row, to };
    } finally {
      mailer.close();
    }
  }

  it('an SMTP server away for two days: the e-mail waits, retried hourly, and goes out once it is back', { timeout: 120_000 }, async () => {
    const [smtp, ui] = [await freePort(), await freePort()];
    let mailpit: Mailpit | undefined;
    try {
      const { outcome, row, to } = await run(smtp, async () => {
        await env.sleep('2 days');
        mailpit = await startMailpit({ binary: testEnv.mailpitBinary(), uiPort: ui, smtpPort: smtp, logFile: join(dir, 'mailpit.log') });
      });
      assert.equal(outcome, 'sent');
      assert.equal(row.status, 'sent');
      // 10 s doubling to an hour, then hourly: about 55 tries in two days (never thousands, never a give-up).
      assert.ok(row.attempts > 40 && row.attempts < 70, `tried ${row.attempts} times`);
      assert.equal((await messagesTo(to, mailpit?.uiUrl)).length, 1);
    } finally {
      await mailpit?.child.stop();
    }
  });

  it('an SMTP server away for more than a week: recorded failed with the last error, after a week of tries', { timeout: 120_000 }, async () => {
    const { outcome, row } = await run(await freePort());
    assert.equal(outcome, 'failed');
    assert.equal(row.status, 'failed');
    assert.match(row.last_error ?? '', /^gave up: .*ECONNREFUSED/);
    assert.ok(row.attempts > 150 && row.attempts < 200, `tried ${row.attempts} times`);
  });
});
