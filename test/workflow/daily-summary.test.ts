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

  it('never skips a day nor asks for one twice when the time moves, either way, before or after that day\'s summary', async () => {
    const { activities, calls } = recording();
    const taskQueue = `tq-${randomUUID()}`;
    const workflowId = `${DAILY_SUMMARY_WORKFLOW_ID}-${randomUUID()}`;
    const handle = () => env.client.workflow.getHandle(workflowId);
    const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const hhmm = async () => new Date(Date.parse((await handle().query(dailySummaryNextQuery)).at)).toISOString().slice(11, 16);
    /** Sleeps until `hours` after the first moment's 00:00 UTC (day 0 is the day of the first summary). */
    let day0 = 0;
    const sleepTo = async (hours: number) => env.sleep(day0 + hours * HOUR - (await env.currentTimeMs()));
    const dates = () => calls.map((c) => c.date);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    await worker.runUntil(async () => {
      await env.client.workflow.start<typeof dailySummaryWorkflow>('dailySummaryWorkflow', { taskQueue, workflowId, args: [{ at: '08:00', timeZone: 'UTC' }] });
      const first = await handle().query(dailySummaryNextQuery);
      day0 = Date.parse(`${first.at.slice(0, 10)}T00:00:00Z`);
      const d = (n: number) => utcDate(day0 + n * DAY);
      assert.equal(first.covers, d(-1));
      await sleepTo(8.5);
      assert.deepEqual(dates(), [d(-1)]);

      // 08:00 → 07:00 after the day's summary went out: tomorrow 07:00 summarises today.
      await handle().signal(dailySummarySettingsSignal, { at: '07:00', timeZone: 'UTC' });
      assert.deepEqual([(await handle().query(dailySummaryNextQuery)).covers, await hhmm()], [d(0), '07:00']);
      await sleepTo(24 + 7.5);
      assert.deepEqual(dates(), [d(-1), d(0)]);

      // 07:00 → 09:00 after it went out: the next summary is the next day's, not today's again at 09:00.
      await handle().signal(dailySummarySettingsSignal, { at: '09:00', timeZone: 'UTC' });
      assert.deepEqual([(await handle().query(dailySummaryNextQuery)).covers, await hhmm()], [d(1), '09:00']);
      await sleepTo(48 + 8);
      assert.deepEqual(dates(), [d(-1), d(0)], 'day 0 is not asked for twice');

      // 09:00 → 07:00 at 08:00, before that day's summary went out: its moment has passed, so it goes now.
      await handle().signal(dailySummarySettingsSignal, { at: '07:00', timeZone: 'UTC' });
      await env.sleep(60_000);
      assert.deepEqual(dates(), [d(-1), d(0), d(1)], 'day 1 is not skipped');
      const sentAt = calls.at(-1)?.at ?? 0;
      assert.ok(sentAt >= day0 + 56 * HOUR && sentAt <= day0 + 56 * HOUR + 60_000, 'at once');

      // 07:00 → 10:00 before the next one went out: it goes at 10:00.
      await handle().signal(dailySummarySettingsSignal, { at: '10:00', timeZone: 'UTC' });
      assert.deepEqual([(await handle().query(dailySummaryNextQuery)).covers, await hhmm()], [d(2), '10:00']);
      await sleepTo(72 + 11);
      assert.deepEqual(dates(), [d(-1), d(0), d(1), d(2)]);
      await handle().terminate('test done');
    });
  });

  it('a run that starts days after the last day it summarised (the loop woke late) catches up day by day, at most a week of them', async () => {
    const { activities, calls } = recording();
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    await worker.runUntil(async () => {
      const now = await env.currentTimeMs();
      // The day the next 10:00 UTC summarises: every day before it is due already.
      const upcoming = utcDate(now - DAY + (new Date(now).getUTCHours() >= 10 ? DAY : 0));
      const before = (n: number) => utcDate(Date.parse(`${upcoming}T00:00:00Z`) - n * DAY);
      for (const [lastCovered, expected] of [
        [before(4), [before(3), before(2), before(1)]],
        [before(30), [before(7), before(6), before(5), before(4), before(3), before(2), before(1)]],
      ] as const) {
        calls.length = 0;
        const workflowId = `${DAILY_SUMMARY_WORKFLOW_ID}-${randomUUID()}`;
        await env.client.workflow.start<typeof dailySummaryWorkflow>('dailySummaryWorkflow', { taskQueue, workflowId, args: [{ at: '10:00', timeZone: 'UTC', lastCovered }] });
        for (let i = 0; i < 100 && calls.length < expected.length; i += 1) await env.sleep(1_000);
        assert.deepEqual(calls.map((c) => c.date), expected, `after ${lastCovered}: every missed day once, in order (a month away: the last week)`);
        const next = await env.client.workflow.getHandle(workflowId).query(dailySummaryNextQuery);
        assert.equal(next.covers, upcoming, 'then the loop is back on its daily moment');
        assert.ok(Date.parse(next.at) > (await env.currentTimeMs()));
        await env.client.workflow.getHandle(workflowId).terminate('test done');
      }
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
