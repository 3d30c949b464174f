import { parseIsoDurationMs } from './duration.js';
import { ValidationError } from './errors.js';
import { addLocalDays, isValidTimeZone, type LocalDateTime, withMonthOffset, zonedParts, zonedToInstant } from './zoned-time.js';

export { isValidTimeZone };

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

/** The instant of charge number `period` (0 = the first), or null for automatic schedules. */
export function chargeTime(schedule: Schedule, anchorMs: number, timeZone: string, period: number): number | null {
  if (schedule.kind === 'automatic') return null;
  if ('duration' in schedule) return anchorMs + period * parseIsoDurationMs(schedule.duration);
  const local = zonedParts(anchorMs, timeZone);
  // Wall-clock readings have whole seconds; keep the anchor's milliseconds so period 0 is the anchor.
  const ms = ((anchorMs % 1000) + 1000) % 1000;
  const at = (l: LocalDateTime) => zonedToInstant(l, timeZone) + ms;
  switch (schedule.kind) {
    case 'interval':
      return schedule.days === CALENDAR_MONTH_DAYS ? at(withMonthOffset(local, period, local.day)) : at(addLocalDays(local, period * schedule.days));
    case 'weekly': {
      let first = addLocalDays(local, (schedule.weekday - local.weekday + 7) % 7);
      if (at(first) < anchorMs) first = addLocalDays(first, 7);
      return at(addLocalDays(first, 7 * period));
    }
    case 'monthly': {
      const skip = at(withMonthOffset(local, 0, schedule.day)) < anchorMs ? 1 : 0;
      return at(withMonthOffset(local, period + skip, schedule.day));
    }
  }
}

/** Average length of a period, to jump close to "now" before stepping. */
function approxPeriodMs(schedule: Exclude<Schedule, { kind: 'automatic' }>): number {
  if ('duration' in schedule) return parseIsoDurationMs(schedule.duration);
  if (schedule.kind === 'weekly') return 7 * 86_400_000;
  if (schedule.kind === 'monthly' || schedule.days === CALENDAR_MONTH_DAYS) return 30.436875 * 86_400_000;
  return schedule.days * 86_400_000;
}

/** The first period due strictly after `afterMs`, or null for automatic schedules. */
export function nextChargeAfter(schedule: Schedule, anchorMs: number, timeZone: string, afterMs: number): { period: number; at: number } | null {
  if (schedule.kind === 'automatic') return null;
  const at = (p: number) => chargeTime(schedule, anchorMs, timeZone, p) ?? Number.POSITIVE_INFINITY;
  let period = Math.max(0, Math.floor((afterMs - anchorMs) / approxPeriodMs(schedule)) - 1);
  while (period > 0 && at(period) > afterMs) period -= 1;
  while (at(period) <= afterMs) period += 1;
  return { period, at: at(period) };
}
