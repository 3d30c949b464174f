import { condition, continueAsNew, log, proxyActivities, setHandler, upsertSearchAttributes, allHandlersFinished } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { isSummaryDate, nextDayToSummarise, summaryMomentOf } from '../domain/daily-summary-time.js';
import { isValidTimeZone } from '../domain/zoned-time.js';
import { TollgateNextActionAt } from '../temporal/search-attributes.js';
import { LEDGER_WRITES } from './activity-options.js';
import { type DailySummaryRun, dailySummaryNextQuery, type DailySummarySettings, dailySummarySettingsSignal } from './daily-summary-messages.js';

export * from './daily-summary-messages.js';

const { queueDailySummary } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
const valid = (s: DailySummarySettings) => typeof s?.at === 'string' && TIME_OF_DAY.test(s.at) && isValidTimeZone(s.timeZone);

/**
 * The admin's daily summary (`daily-summary`, one per deployment): sleeps until the next `at` in
 * `timeZone`, queues the summary of the local day before, then continues as new for the next day
 * (a run is one day: its history stays small), naming the day it summarised. Each run summarises
 * the day after that one, so no day is skipped: settings signalled meanwhile move only the moment
 * (one moved earlier than now sends at once), and a loop that woke late catches up day by day.
 * The dedupe key (the date) still keeps a day from being sent twice.
 */
export async function dailySummaryWorkflow(input: DailySummaryRun): Promise<void> {
  let settings: DailySummarySettings = { at: input.at, timeZone: input.timeZone };
  let changed = false;
  const day = nextDayToSummarise(isSummaryDate(input.lastCovered) ? input.lastCovered : undefined, Date.now(), settings.at, settings.timeZone);
  if (day.skipped) log.warn('daily summary was away too long: the oldest days are not summarised', { skipped: day.skipped });
  const covers = day.covers;
  let atMs = summaryMomentOf(covers, settings.at, settings.timeZone);
  setHandler(dailySummarySettingsSignal, (s) => {
    if (!valid(s)) {
      log.warn('daily summary settings ignored: at must be "HH:MM" and timeZone an IANA zone', { settings: s });
      return;
    }
    settings = { at: s.at, timeZone: s.timeZone };
    changed = true;
  });
  setHandler(dailySummaryNextQuery, () => ({ at: new Date(atMs).toISOString(), covers, settings }));
  for (;;) {
    atMs = summaryMomentOf(covers, settings.at, settings.timeZone);
    upsertSearchAttributes([{ key: TollgateNextActionAt, value: new Date(atMs) }]);
    changed = false;
    if (await condition(() => changed, Math.max(1, atMs - Date.now()))) continue;
    await queueDailySummary({ date: covers, timeZone: settings.timeZone });
    break;
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof dailySummaryWorkflow>({ ...settings, lastCovered: covers });
}
