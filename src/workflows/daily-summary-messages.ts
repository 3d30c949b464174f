import { defineQuery, defineSignal } from '@temporalio/workflow';

/** When the summary goes out: "HH:MM" in an IANA time zone (DAILY_SUMMARY_AT, DAILY_SUMMARY_TIME_ZONE). */
export interface DailySummarySettings {
  at: string;
  timeZone: string;
}

/**
 * A run's input: the settings, and the local day the run before summarised (absent on the first
 * run): this run summarises the day after it, whatever the settings say meanwhile.
 */
export interface DailySummaryRun extends DailySummarySettings {
  lastCovered?: string;
}

/**
 * New settings for the running loop: every worker sends its configuration at start
 * (signalWithStart), so a changed DAILY_SUMMARY_AT takes effect without restarting the workflow.
 * Plain JSON an operator can type into the Temporal UI: {"at": "06:30", "timeZone": "Europe/Warsaw"}.
 */
export const dailySummarySettingsSignal = defineSignal<[DailySummarySettings]>('dailySummarySettings');

/** The next summary: when it goes out and the local day it covers. */
export const dailySummaryNextQuery = defineQuery<{ at: string; covers: string; settings: DailySummarySettings }>('dailySummaryNext');
