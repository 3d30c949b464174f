import { condition, continueAsNew, log, proxyActivities, setHandler, upsertSearchAttributes, allHandlersFinished } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { nextSummaryMoment } from '../domain/daily-summary-time.js';
import { isValidTimeZone } from '../domain/zoned-time.js';
import { TollgateNextActionAt } from '../temporal/search-attributes.js';
import { LEDGER_WRITES } from './activity-options.js';
import { dailySummaryNextQuery, type DailySummarySettings, dailySummarySettingsSignal } from './daily-summary-messages.js';

export * from './daily-summary-messages.js';

const { queueDailySummary } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
const valid = (s: DailySummarySettings) => typeof s?.at === 'string' && TIME_OF_DAY.test(s.at) && isValidTimeZone(s.timeZone);

/**
 * The admin's daily summary (`daily-summary`, one per deployment): sleeps until the next `at` in
 * `timeZone`, queues the summary of the local day before, then continues as new for the next day
 * (a run is one day: its history stays small). Settings signalled meanwhile move the timer; a day
 * whose moment passed while settings changed is not summarised twice (the dedupe key is the date).
 */
export async function dailySummaryWorkflow(input: DailySummarySettings): Promise<void> {
  let settings = input;
  let changed = false;
  let next = nextSummaryMoment(Date.now(), settings.at, settings.timeZone);
  setHandler(dailySummarySettingsSignal, (s) => {
    if (!valid(s)) {
      log.warn('daily summary settings ignored: at must be "HH:MM" and timeZone an IANA zone', { settings: s });
      return;
    }
    settings = { at: s.at, timeZone: s.timeZone };
    changed = true;
  });
  setHandler(dailySummaryNextQuery, () => ({ at: new Date(next.atMs).toISOString(), covers: next.covers, settings }));
  for (;;) {
    next = nextSummaryMoment(Date.now(), settings.at, settings.timeZone);
    upsertSearchAttributes([{ key: TollgateNextActionAt, value: new Date(next.atMs) }]);
    changed = false;
    if (await condition(() => changed, Math.max(1, next.atMs - Date.now()))) continue;
    await queueDailySummary({ date: next.covers, timeZone: settings.timeZone });
    break;
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof dailySummaryWorkflow>(settings);
}
