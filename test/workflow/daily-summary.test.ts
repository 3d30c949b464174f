import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../src/activities/index.js';
import { ensureDailySummary } from '../../src/temporal/daily-summary-start.js';
import { DAILY_SUMMARY_WORKFLOW_ID } from '../../src/temporal/workflow-ids.js';
import { dailySummaryNextQuery, dailySummarySettingsSignal, type dailySummaryWorkflow } from '../../src/workflows/daily-summary.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

type Activities = Pick<ReturnType<typeof createActivities>, 'queueDailySummary'>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The summary loop's timing with the real workflow code and a recording activity, on the test server's clock. */
describe('daily summary workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  function recording() {
    const calls: Array<{ date: string; timeZone: string; at: number }> = [];
    const activities: Activities = {
      async queueDailySummary({ date, timeZone }) {
        calls.push({ date, timeZone, at: await env.currentTimeMs() });
        return { queued: true as const, notificationId: `ntf_${date}` };
      },
    };
    return { activities, calls };
  }

  /** The local date "YYYY-MM-DD" of an instant in a zone. */
  const localDate = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

  it('sleeps until the next HH:MM in its zone, summarises the day before, once a day, and moves when told new settings', async () => {
    const { activities, calls } = recording();
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    await worker.runUntil(async () => {
      const workflowId = `${DAILY_SUMMARY_WORKFLOW_ID}-${randomUUID()}`;
      const handle = await env.client.workflow.start<typeof dailySummaryWorkflow>('dailySummaryWorkflow', { taskQueue, workflowId, args: [{ at: '07:00', timeZone: 'Europe/Warsaw' }] });
      const next = await handle.query(dailySummaryNextQuery);
      const atMs = Date.parse(next.at);
      const started = await env.currentTimeMs();
      assert.ok(atMs > started && atMs <= started + DAY + HOUR, 'within a day');
      assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Warsaw', hour: '2-digit', minute: '2-digit' }).format(atMs), '07:00');
      assert.equal(next.covers, localDate(atMs - DAY, 'Europe/Warsaw'), 'the local day before');

      await env.sleep(atMs - started - 60_000);
      assert.equal(calls.length, 0, 'nothing a minute early');
      await env.sleep(2 * 60_000);
      assert.equal(calls.length, 1);
      assert.deepEqual([calls[0]?.date, calls[0]?.timeZone], [next.covers, 'Europe/Warsaw']);
      assert.ok((calls[0]?.at ?? 0) >= atMs, 'not before its moment');

      // Continued as new for the next day: the same id answers with tomorrow's moment.
      const tomorrow = await env.client.workflow.getHandle(workflowId).query(dailySummaryNextQuery);
      assert.ok(Math.abs(Date.parse(tomorrow.at) - (atMs + DAY)) <= HOUR, 'the next 07:00 (a DST night moves it by an hour)');
      assert.equal(tomorrow.covers, localDate(atMs, 'Europe/Warsaw'));

      // New settings (a worker started with another DAILY_SUMMARY_AT) move the timer; nothing is sent twice.
      await env.client.workflow.getHandle(workflowId).signal(dailySummarySettingsSignal, { at: '23:30', timeZone: 'UTC' });
      const moved = await env.client.workflow.getHandle(workflowId).query(dailySummaryNextQuery);
      assert.equal(new Date(moved.at).toISOString().slice(11, 16), '23:30');
      await env.client.workflow.getHandle(workflowId).signal(dailySummarySettingsSignal, { at: '25:00', timeZone: 'Mars/Olympus' });
      assert.deepEqual((await env.client.workflow.getHandle(workflowId).query(dailySummaryNextQuery)).settings, { at: '23:30', timeZone: 'UTC' }, 'nonsense is ignored');
      await env.sleep(Date.parse(moved.at) - (await env.currentTimeMs()) + 60_000);
      assert.equal(calls.length, 2);
      assert.deepEqual([calls[1]?.date, calls[1]?.timeZone], [moved.covers, 'UTC']);
      await env.client.workflow.getHandle(workflowId).terminate('test done');
    });
  });

  it('is started by signal-with-start only with admin addresses; a second start finds the running one', async () => {
    const { activities, calls } = recording();
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    await worker.runUntil(async () => {
      const config = { ADMIN_EMAILS: [] as string[], DAILY_SUMMARY_AT: '07:00', DAILY_SUMMARY_TIME_ZONE: 'UTC', TEMPORAL_TASK_QUEUE: taskQueue };
      assert.equal(await ensureDailySummary(env.client, config), false);
      await assert.rejects(env.client.workflow.getHandle(DAILY_SUMMARY_WORKFLOW_ID).describe(), 'not started without ADMIN_EMAILS');
      const withAdmins = { ...config, ADMIN_EMAILS: ['ops@example.com'] };
      assert.equal(await ensureDailySummary(env.client, withAdmins), true);
      const first = await env.client.workflow.getHandle(DAILY_SUMMARY_WORKFLOW_ID).describe();
      assert.equal(await ensureDailySummary(env.client, { ...withAdmins, DAILY_SUMMARY_AT: '08:15' }), true);
      const second = await env.client.workflow.getHandle(DAILY_SUMMARY_WORKFLOW_ID).describe();
      assert.equal(second.runId, first.runId, 'one loop');
      const next = await env.client.workflow.getHandle(DAILY_SUMMARY_WORKFLOW_ID).query(dailySummaryNextQuery);
      assert.equal(new Date(next.at).toISOString().slice(11, 16), '08:15', 'the later start’s settings count');
      assert.equal(calls.length, 0);
      await env.client.workflow.getHandle(DAILY_SUMMARY_WORKFLOW_ID).terminate('test done');
    });
  });
});
