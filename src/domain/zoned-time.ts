/**
 * Wall-clock time in an IANA time zone, by the built-in Intl API only (no I/O, deterministic, so
 * workflow code may use it).
 */
export interface LocalDateTime {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false; // callers pass parsed JSON
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock reading in `timeZone` at `instantMs`, with the ISO weekday (1 = Monday). */
export function zonedParts(instantMs: number, timeZone: string): LocalDateTime & { weekday: number } {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday ?? ''] ?? 0,
  };
}

function asUtc(l: LocalDateTime): number {
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
}

/** Offset (local − UTC, ms) of `timeZone` at `instantMs`. */
function offsetAt(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000; // wall-clock readings have whole seconds
  return asUtc(zonedParts(whole, timeZone)) - whole;
}

const DAY_MS = 86_400_000;

/**
 * The instant a wall-clock reading in `timeZone` names. A reading inside a spring-forward gap moves
 * forward by the gap (02:30 → 03:30); an ambiguous one in a fall-back hour takes the earlier instant.
 */
export function zonedToInstant(local: LocalDateTime, timeZone: string): number {
  const guess = asUtc(local);
  // The answer lies within 14 h of the reading taken as UTC (the largest real offset), so the
  // offsets a day either side are the ones before and after any transition that matters. A
  // narrower window misses transitions of zones east of +12 h (Auckland, Chatham).
  const before = offsetAt(guess - DAY_MS, timeZone);
  const after = offsetAt(guess + DAY_MS, timeZone);
  const candidates = [guess - before, guess - after].filter((t) => asUtc(zonedParts(t, timeZone)) === guess);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap the reading does not exist: read it with the offset from before the jump, which
  // lands the same distance past the jump as the reading was past its start.
  return guess - before;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds calendar days to a local date (the time of day is kept). */
export function addLocalDays(l: LocalDateTime, days: number): LocalDateTime {
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day + days));
  return { ...l, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Moves to `months` later and sets the day, clamped to that month's length. */
export function withMonthOffset(l: LocalDateTime, months: number, day: number): LocalDateTime {
  const index = l.year * 12 + (l.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { ...l, year, month, day: Math.min(day, daysInMonth(year, month)) };
}
