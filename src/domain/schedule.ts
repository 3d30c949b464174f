import { parseIsoDurationMs } from './duration.js';
import { ValidationError } from './errors.js';
import { addLocalDays, isValidTimeZone, type LocalDateTime, withMonthOffset, zonedParts, zonedToInstant } from './zoned-time.js';

export { isValidTimeZone, zonedParts, zonedToInstant };
export type { LocalDateTime };

/**
 * When a subscription is charged. Calendar kinds are computed from the anchor (first_charge_at)
 * and the period number, never by adding to the previous date, so clamped days never drift
 * (31 Jan → 28 Feb → 31 Mar). They keep the anchor's local time of day in the subscription's zone.
 */
export type Schedule =
  | { kind: 'interval'; days: number; amount_hook?: string }
  | { kind: 'interval'; duration: string; amount_hook?: string }
  | { kind: 'weekly'; weekday: number; amount_hook?: string }
  | { kind: 'monthly'; day: number; amount_hook?: string }
  | { kind: 'automatic' };

/** "31 days" means one calendar month (the Assist rule). */
const CALENDAR_MONTH_DAYS = 31;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

export function validateSchedule(input: unknown): Schedule {
  if (!input || typeof input !== 'object') throw new ValidationError('schedule must be an object with a kind');
  const s = input as Record<string, unknown>;
  const hook = s.amount_hook;
  if (hook !== undefined && (typeof hook !== 'string' || !/^https?:\/\//.test(hook))) {
    throw new ValidationError('amount_hook must be an http(s) URL');
  }
  const withHook = hook === undefined ? {} : { amount_hook: hook };
  switch (s.kind) {
    case 'interval':
      if (s.days !== undefined && s.duration !== undefined) throw new ValidationError('an interval has days or duration, not both');
      if (s.days !== undefined) {
        if (!isInt(s.days, 1, 366)) throw new ValidationError('interval days must be an integer from 1 to 366');
        return { kind: 'interval', days: s.days, ...withHook };
      }
      if (typeof s.duration !== 'string') throw new ValidationError('an interval needs days or an ISO 8601 duration');
      parseIsoDurationMs(s.duration);
      return { kind: 'interval', duration: s.duration, ...withHook };
    case 'weekly':
      if (!isInt(s.weekday, 1, 7)) throw new ValidationError('weekday must be 1 (Monday) to 7 (Sunday)');
      return { kind: 'weekly', weekday: s.weekday, ...withHook };
    case 'monthly':
      if (!isInt(s.day, 1, 31)) throw new ValidationError('day must be 1 to 31 (29–31 clamp to the month end)');
      return { kind: 'monthly', day: s.day, ...withHook };
    case 'automatic':
      if (hook !== undefined) throw new ValidationError('an automatic schedule takes its amount per request, not from a hook');
      return { kind: 'automatic' };
    default:
      throw new ValidationError('schedule kind must be interval, weekly, monthly or automatic');
  }
}

/**
 * The instant of charge number `period` (0 = the first, a non-negative integer), or null for
 * automatic schedules.
 */
export function chargeTime(schedule: Schedule, anchorMs: number, timeZone: string, period: number): number | null {
  if (schedule.kind === 'automatic') return null;
  if ('duration' in schedule) return anchorMs + period * parseIsoDurationMs(schedule.duration);
  const local = zonedParts(anchorMs, timeZone);
  // Wall-clock readings have whole seconds; keep the anchor's milliseconds so period 0 is the anchor.
  const ms = ((anchorMs % 1000) + 1000) % 1000;
  const at = (l: LocalDateTime) => zonedToInstant(l, timeZone) + ms;
  // A charge on the anchor's own local date is the anchor itself: re-reading its wall time would
  // pick the earlier instant when the anchor sits in the repeated hour of a fall-back night.
  switch (schedule.kind) {
    case 'interval':
      if (period === 0) return anchorMs;
      return schedule.days === CALENDAR_MONTH_DAYS ? at(withMonthOffset(local, period, local.day)) : at(addLocalDays(local, period * schedule.days));
    case 'weekly': {
      const ahead = (schedule.weekday - local.weekday + 7) % 7;
      return ahead === 0 && period === 0 ? anchorMs : at(addLocalDays(local, ahead + 7 * period));
    }
    case 'monthly': {
      // The same local time of day, so comparing dates decides "not before the anchor".
      const thisMonth = withMonthOffset(local, 0, schedule.day).day;
      if (thisMonth === local.day && period === 0) return anchorMs;
      return at(withMonthOffset(local, period + (thisMonth < local.day ? 1 : 0), schedule.day));
    }
  }
}

/** Average length of a calendar period, to land within a period or two of the answer. */
function approxPeriodMs(schedule: Extract<Schedule, { kind: 'weekly' | 'monthly' } | { days: number }>): number {
  if (schedule.kind === 'weekly') return 7 * 86_400_000;
  if (schedule.kind === 'monthly' || schedule.days === CALENDAR_MONTH_DAYS) return 30.436875 * 86_400_000; // 146,097 days / 4,800 months
  return schedule.days * 86_400_000;
}

/**
 * The first period due strictly after `afterMs`, or null for automatic schedules. Jumps by the
 * period length and corrects by a step or two, so a PT30S schedule years old costs the same as a
 * new one.
 */
export function nextChargeAfter(schedule: Schedule, anchorMs: number, timeZone: string, afterMs: number): { period: number; at: number } | null {
  if (schedule.kind === 'automatic') return null;
  if ('duration' in schedule) {
    const step = parseIsoDurationMs(schedule.duration);
    const period = afterMs < anchorMs ? 0 : Math.floor((afterMs - anchorMs) / step) + 1;
    return { period, at: anchorMs + period * step };
  }
  const at = (p: number) => chargeTime(schedule, anchorMs, timeZone, p) ?? Number.POSITIVE_INFINITY;
  let period = Math.max(0, Math.floor((afterMs - anchorMs) / approxPeriodMs(schedule)) - 1);
  while (period > 0 && at(period) > afterMs) period -= 1;
  while (at(period) <= afterMs) period += 1;
  return { period, at: at(period) };
}

/** The shortest schedule a live gateway may run, and the shortest a test-mode one may (for demos). */
export const MIN_LIVE_PERIOD_MS = 60_000;
export const MIN_TEST_PERIOD_MS = 5_000;

/**
 * Why a schedule is too short to run in this mode, or undefined. Only `duration` intervals can be
 * shorter than a day; a PT0.001S schedule would charge without pause.
 */
export function schedulePeriodProblem(schedule: Schedule, mode: 'test' | 'live'): string | undefined {
  if (schedule.kind !== 'interval' || !('duration' in schedule)) return undefined;
  const ms = parseIsoDurationMs(schedule.duration);
  const min = mode === 'live' ? MIN_LIVE_PERIOD_MS : MIN_TEST_PERIOD_MS;
  if (ms >= min) return undefined;
  return mode === 'live'
    ? `an interval of ${schedule.duration} is shorter than one minute (PT1M), the shortest a live gateway charges`
    : `an interval of ${schedule.duration} is shorter than PT5S, the shortest even a test-mode gateway charges`;
}
