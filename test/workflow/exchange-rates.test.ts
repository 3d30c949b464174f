import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../src/activities/index.js';
import type { ImportSource } from '../../src/rates/types.js';
import { ensureExchangeRatesFetch } from '../../src/temporal/exchange-rates-start.js';
import { TollgateKind, TollgateNextActionAt, TollgateState } from '../../src/temporal/search-attributes.js';
import { exchangeRatesWorkflowId } from '../../src/temporal/workflow-ids.js';
import { exchangeRatesNextQuery, exchangeRatesSettingsSignal, type exchangeRatesWorkflow } from '../../src/workflows/exchange-rates.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping.js';

type Activities = Pick<ReturnType<typeof createActivities>, 'fetchExchangeRates'>;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The wall clock "HH:MM" and local date of an instant in a zone. */
const hhmm = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
const localDate = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** The scheduled rates fetch with the real workflow code and a scripted activity, on the test server's clock. */
describe('exchange rates fetch workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });
  // A test that failed midway leaves its loop running, and its timer would later schedule a fetch
  // nobody polls for: the test server stops skipping time for it and the next test hangs.
  const workflowIds = new Set<string>();
  const track = (id: string) => (workflowIds.add(id), id);
  afterEach(async () => {
    for (const id of workflowIds) await env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    workflowIds.clear();
  });

  /** A fetch that fails while `failing(call)` says so, and answers `imported` otherwise. */
  function scripted(failing: (call: number) => boolean = () => false) {
    const calls: Array<{ source: ImportSource; day: string; at: number; failed: boolean }> = [];
    const activities: Activities = {
      async fetchExchangeRates({ source, day }) {
        const failed = failing(calls.length + 1);
        calls.push({ source, day, at: await env.currentTimeMs(), failed });
        if (failed) throw new Error('fetching the rates file failed: www.ecb.europa.eu unreachable; nothing was imported');
        return { status: 'imported' as const, days: [day], rates: 30, inserted: 30 };
      },
    };
    return { activities, calls };
  }

  async function worker(activities: Activities) {
    const taskQueue = `tq-${randomUUID()}`;
    return { taskQueue, worker: await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities }) };
  }

  it('sleeps until the time in the source\'s own zone, fetches that day, continues as new for the next, and moves when told', async () => {
    const { activities, calls } = scripted();
    const { taskQueue, worker: w } = await worker(activities);
    await w.runUntil(async () => {
      const workflowId = track(`${exchangeRatesWorkflowId('ecb')}-${randomUUID()}`);
      const handle = await env.client.workflow.start<typeof exchangeRatesWorkflow>('exchangeRatesWorkflow', {
        taskQueue,
        workflowId,
        args: [{ source: 'ecb', at: '16:30' }],
        typedSearchAttributes: [{ key: TollgateKind, value: 'exchange_rates' }],
      });
      const next = await handle.query(exchangeRatesNextQuery);
      const atMs = Date.parse(next.at);
      const started = await env.currentTimeMs();
      assert.equal(next.timeZone, 'Europe/Berlin');
      assert.ok(atMs > started && atMs <= started + DAY + HOUR, 'within a day');
      assert.equal(hhmm(atMs, 'Europe/Berlin'), '16:30', '16:30 in Frankfurt, not UTC');
      assert.notEqual(hhmm(atMs, 'UTC'), '16:30');
      assert.equal(next.day, localDate(atMs, 'Europe/Berlin'));

      await env.sleep(atMs - started - MINUTE);
      assert.equal(calls.length, 0, 'nothing a minute early');
      await env.sleep(2 * MINUTE);
      assert.equal(calls.length, 1);
      assert.deepEqual([calls[0]?.source, calls[0]?.day], ['ecb', next.day]);
      assert.ok((calls[0]?.at ?? 0) >= atMs, 'not before its moment');

      // Continued as new: the same id, a new run, tomorrow's 16:30 Berlin, the outcome carried.
      const tomorrow = await env.client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery);
      assert.ok(Math.abs(Date.parse(tomorrow.at) - (atMs + DAY)) <= HOUR, 'the next 16:30 (a DST night moves it by an hour)');
      assert.equal(hhmm(Date.parse(tomorrow.at), 'Europe/Berlin'), '16:30');
      assert.deepEqual([tomorrow.lastDay, tomorrow.last], [next.day, 'imported']);
      const described = await env.client.workflow.getHandle(workflowId).describe();
      assert.notEqual(described.runId, handle.firstExecutionRunId, 'a new run');
      assert.equal(described.typedSearchAttributes.get(TollgateState), 'imported');
      assert.equal(described.typedSearchAttributes.get(TollgateKind), 'exchange_rates', 'kept across continue-as-new');
      assert.equal(described.typedSearchAttributes.get(TollgateNextActionAt)?.getTime(), Date.parse(tomorrow.at));

      // New settings (a worker restarted with another time) move the timer; each day is fetched once.
      await env.client.workflow.getHandle(workflowId).signal(exchangeRatesSettingsSignal, { at: '23:00' });
      const moved = await env.client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery);
      assert.equal(moved.day, tomorrow.day);
      assert.equal(hhmm(Date.parse(moved.at), 'Europe/Berlin'), '23:00');
      await env.client.workflow.getHandle(workflowId).signal(exchangeRatesSettingsSignal, { at: '25:00' });
      assert.deepEqual((await env.client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery)).settings, { at: '23:00' }, 'nonsense is ignored');
      await env.sleep(Date.parse(moved.at) - (await env.currentTimeMs()) + MINUTE);
      assert.deepEqual(calls.map((c) => c.day), [next.day, tomorrow.day]);
      await env.client.workflow.getHandle(workflowId).terminate('test done');
    });
  });

  it('NBP fetches at its time in Warsaw', async () => {
    const { activities, calls } = scripted();
    const { taskQueue, worker: w } = await worker(activities);
    await w.runUntil(async () => {
      const workflowId = track(`${exchangeRatesWorkflowId('nbp')}-${randomUUID()}`);
      const handle = await env.client.workflow.start<typeof exchangeRatesWorkflow>('exchangeRatesWorkflow', { taskQueue, workflowId, args: [{ source: 'nbp', at: '12:30' }] });
      const next = await handle.query(exchangeRatesNextQuery);
      assert.equal(next.timeZone, 'Europe/Warsaw');
      assert.equal(hhmm(Date.parse(next.at), 'Europe/Warsaw'), '12:30');
      await env.sleep(Date.parse(next.at) - (await env.currentTimeMs()) + MINUTE);
      assert.deepEqual(calls.map((c) => [c.source, c.day]), [['nbp', next.day]]);
      await env.client.workflow.getHandle(workflowId).terminate('test done');
    });
  });

  it('a fetch that fails is retried with backoff the same day; one that keeps failing skips the day, and the next day is fetched', async () => {
    // Fails the first two tries of day 1, every try of day 2 (until its retries run out), then works.
    let day2From = Infinity;
    let day2To = Infinity;
    const { activities, calls } = scripted((n) => n <= 2 || (n >= day2From && n < day2To));
    const { taskQueue, worker: w } = await worker(activities);
    await w.runUntil(async () => {
      const workflowId = track(`${exchangeRatesWorkflowId('ecb')}-${randomUUID()}`);
      const handle = await env.client.workflow.start<typeof exchangeRatesWorkflow>('exchangeRatesWorkflow', { taskQueue, workflowId, args: [{ source: 'ecb', at: '16:30' }] });
      const first = await handle.query(exchangeRatesNextQuery);
      const atMs = Date.parse(first.at);
      await env.sleep(atMs - (await env.currentTimeMs()) + 10 * MINUTE);
      assert.deepEqual(calls.map((c) => c.failed), [true, true, false], 'retried after a minute, then two');
      assert.ok((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0) >= MINUTE, 'backs off');
      assert.ok(new Set(calls.map((c) => c.day)).size === 1, 'the same day');
      const second = await env.client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery);
      assert.equal(second.last, 'imported');

      day2From = calls.length + 1;
      day2To = Infinity;
      await env.sleep(Date.parse(second.at) - (await env.currentTimeMs()) + 7 * HOUR);
      const day2 = calls.filter((c) => c.day === second.day);
      assert.ok(day2.length >= 5 && day2.every((c) => c.failed), `tried again and again (${day2.length} tries)`);
      const lastTry = day2.at(-1)?.at ?? 0;
      assert.ok(lastTry - Date.parse(second.at) <= 6 * HOUR, 'for at most six hours');
      const third = await env.client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery);
      assert.deepEqual([third.lastDay, third.last], [second.day, 'failed'], 'the day is skipped, the loop goes on');
      assert.equal((await env.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(TollgateState), 'failed');

      day2To = calls.length + 1; // the source is back
      await env.sleep(Date.parse(third.at) - (await env.currentTimeMs()) + MINUTE);
      const day3 = calls.filter((c) => c.day === third.day);
      assert.deepEqual(day3.map((c) => c.failed), [false], 'the next day is fetched at its time');
      assert.equal((await env.client.workflow.getHandle(workflowId).query(exchangeRatesNextQuery)).last, 'imported');
      await env.client.workflow.getHandle(workflowId).terminate('test done');
    });
  });

  it('is started per configured source by signal-with-start; a restart with a changed time moves it; a source no longer named stops', async () => {
    const { activities, calls } = scripted();
    const { taskQueue, worker: w } = await worker(activities);
    await w.runUntil(async () => {
      track(exchangeRatesWorkflowId('ecb'));
      track(exchangeRatesWorkflowId('nbp'));
      const config = { EXCHANGE_RATES_FETCH: [] as Array<{ source: ImportSource; at: string }>, TEMPORAL_TASK_QUEUE: taskQueue };
      assert.deepEqual(await ensureExchangeRatesFetch(env.client, config), []);
      await assert.rejects(env.client.workflow.getHandle(exchangeRatesWorkflowId('ecb')).describe(), 'nothing starts when off');
      const both = { ...config, EXCHANGE_RATES_FETCH: [{ source: 'ecb' as const, at: '16:30' }, { source: 'nbp' as const, at: '12:30' }] };
      assert.deepEqual(await ensureExchangeRatesFetch(env.client, both), ['ecb', 'nbp']);
      const ecb = await env.client.workflow.getHandle(exchangeRatesWorkflowId('ecb')).describe();
      assert.equal(ecb.typedSearchAttributes.get(TollgateKind), 'exchange_rates');
      assert.equal(hhmm(Date.parse((await env.client.workflow.getHandle(exchangeRatesWorkflowId('nbp')).query(exchangeRatesNextQuery)).at), 'Europe/Warsaw'), '12:30');

      // The worker restarted with ecb@17:05 and nbp removed.
      await ensureExchangeRatesFetch(env.client, { ...config, EXCHANGE_RATES_FETCH: [{ source: 'ecb', at: '17:05' }] });
      const again = await env.client.workflow.getHandle(exchangeRatesWorkflowId('ecb')).describe();
      assert.equal(again.runId, ecb.runId, 'one loop per source');
      const next = await env.client.workflow.getHandle(exchangeRatesWorkflowId('ecb')).query(exchangeRatesNextQuery);
      assert.equal(hhmm(Date.parse(next.at), 'Europe/Berlin'), '17:05', 'the later start’s time counts');
      let nbp = '';
      for (let i = 0; i < 50 && nbp !== 'COMPLETED'; i += 1) {
        nbp = (await env.client.workflow.getHandle(exchangeRatesWorkflowId('nbp')).describe()).status.name;
        if (nbp !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(nbp, 'COMPLETED', 'nbp stopped');
      assert.equal(calls.length, 0);
      await env.client.workflow.getHandle(exchangeRatesWorkflowId('ecb')).terminate('test done');
    });
  });
});
