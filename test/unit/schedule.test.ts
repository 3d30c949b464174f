import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '../../src/domain/errors.js';
import {
  chargeTime,
  isValidTimeZone,
  nextChargeAfter,
  type Schedule,
  validateSchedule,
  zonedParts,
  zonedToInstant,
} from '../../src/domain/schedule.js';

const WARSAW = 'Europe/Warsaw';
// Whole-hour, half-hour (Kolkata, St John's, Lord Howe's 30-minute DST), 45-minute (Chatham), east of
// +12 h (Auckland, Chatham), southern hemisphere, and DST switches at local midnight (Santiago).
const ZONES = [
  'UTC',
  WARSAW,
  'America/New_York',
  'America/Santiago',
  'America/St_Johns',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
];

const pad = (n: number) => String(n).padStart(2, '0');
/** "YYYY-MM-DD HH:MM:SS" in the zone. */
const local = (ms: number, tz: string) => {
  const p = zonedParts(ms, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
};
const iso = (ms: number | null) => new Date(ms ?? Number.NaN).toISOString();
const times = (s: Schedule, anchorMs: number, tz: string, n: number) =>
  Array.from({ length: n }, (_, p) => chargeTime(s, anchorMs, tz, p) ?? Number.NaN);
const wall = (year: number, month: number, day: number, hour: number, minute: number, second = 0) => ({ year, month, day, hour, minute, second });
// Independent of the code under test: Date.UTC rolls day 0 back to the previous month's last day.
const monthLength = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** Offset (local − UTC, ms) at an instant, read straight off the zone. */
const offset = (ms: number, tz: string) => {
  const whole = Math.floor(ms / 1000) * 1000;
  const p = zonedParts(whole, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
};

const transitionCache = new Map<string, number[]>();
/** The instants (to the minute) at which the zone's offset changes during a year. */
const transitionsIn = (tz: string, year: number): number[] => {
  const key = `${tz} ${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const found: number[] = [];
  const week = 7 * 86_400_000;
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += week) {
    if (offset(t, tz) === offset(t + week, tz)) continue;
    let [lo, hi] = [t, t + week]; // offset(lo) differs from offset(hi): narrow it down
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offset(mid, tz) === offset(lo, tz)) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  transitionCache.set(key, found);
  return found;
};

describe('schedule', () => {
  describe('calendar months', () => {
    const anchor = Date.parse('2027-01-31T08:00:00Z'); // 09:00 CET

    for (const schedule of [{ kind: 'monthly', day: 31 }, { kind: 'interval', days: 31 }] satisfies Schedule[]) {
      it(`${JSON.stringify(schedule)} anchored on 31 Jan clamps each month without drifting, at 09:00 Warsaw across both DST switches`, () => {
        assert.equal(zonedToInstant(wall(2027, 1, 31, 9, 0), WARSAW), anchor);
        const got = times(schedule, anchor, WARSAW, 12);
        const days = ['01-31', '02-28', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31'];
        assert.deepEqual(
          got.map((t) => local(t, WARSAW)),
          days.map((d) => `2027-${d} 09:00:00`),
        );
        assert.equal(iso(got[0] ?? null), '2027-01-31T08:00:00.000Z'); // CET, UTC+1
        assert.equal(iso(got[2] ?? null), '2027-03-31T07:00:00.000Z'); // CEST since 28 March
        assert.equal(iso(got[6] ?? null), '2027-07-31T07:00:00.000Z'); // CEST, UTC+2
        assert.equal(iso(got[9] ?? null), '2027-10-31T08:00:00.000Z'); // CET again from 03:00 that morning
      });

      it(`${JSON.stringify(schedule)} lands on 29 February in a leap year`, () => {
        const got = times(schedule, Date.parse('2028-01-31T08:00:00Z'), WARSAW, 3);
        assert.deepEqual(
          got.map((t) => local(t, WARSAW)),
          ['2028-01-31 09:00:00', '2028-02-29 09:00:00', '2028-03-31 09:00:00'],
        );
      });
    }

    it('monthly starts at the first matching day not before the anchor', () => {
      const anchor20th = Date.parse('2027-01-20T09:00:00Z'); // 10:00 Warsaw
      const first = (day: number) => local(chargeTime({ kind: 'monthly', day }, anchor20th, WARSAW, 0) ?? Number.NaN, WARSAW);
      assert.equal(first(25), '2027-01-25 10:00:00');
      assert.equal(first(15), '2027-02-15 10:00:00');
      assert.equal(chargeTime({ kind: 'monthly', day: 20 }, anchor20th, WARSAW, 0), anchor20th);
      // Day 31 anchored on 29 Feb: 29 is the month's last day, so it is due at once.
      const leap = Date.parse('2028-02-29T09:00:00Z');
      assert.equal(chargeTime({ kind: 'monthly', day: 31 }, leap, WARSAW, 0), leap);
      assert.equal(local(chargeTime({ kind: 'monthly', day: 31 }, leap, WARSAW, 1) ?? Number.NaN, WARSAW), '2028-03-31 10:00:00');
    });
  });

  it('weekly: a Monday schedule anchored on a Wednesday starts next Monday, then every 7 days at the same local time across DST', () => {
    const wednesday = Date.parse('2027-03-24T09:00:00Z'); // Wednesday 10:00 CET; DST starts Sunday 28 March
    const got = times({ kind: 'weekly', weekday: 1 }, wednesday, WARSAW, 4);
    assert.deepEqual(
      got.map((t) => local(t, WARSAW)),
      ['2027-03-29 10:00:00', '2027-04-05 10:00:00', '2027-04-12 10:00:00', '2027-04-19 10:00:00'],
    );
    assert.equal(iso(got[0] ?? null), '2027-03-29T08:00:00.000Z');
    assert.deepEqual(got.map((t) => zonedParts(t, WARSAW).weekday), [1, 1, 1, 1]);
    // Anchored on the weekday itself, the anchor is the first charge.
    assert.equal(chargeTime({ kind: 'weekly', weekday: 3 }, wednesday, WARSAW, 0), wednesday);
    assert.equal(local(chargeTime({ kind: 'weekly', weekday: 3 }, wednesday, WARSAW, 1) ?? Number.NaN, WARSAW), '2027-03-31 10:00:00');
  });

  describe('DST gaps and folds', () => {
    it('a daily 02:30 Warsaw charge moves to 03:30 on the spring-forward day and is back at 02:30 the next day', () => {
      const got = times({ kind: 'interval', days: 1 }, Date.parse('2027-03-27T01:30:00Z'), WARSAW, 3);
      assert.deepEqual(
        got.map((t) => local(t, WARSAW)),
        ['2027-03-27 02:30:00', '2027-03-28 03:30:00', '2027-03-29 02:30:00'],
      );
      assert.deepEqual(got.map(iso), ['2027-03-27T01:30:00.000Z', '2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z']);
    });

    it('moves a local time inside a gap forward by the gap, including 30-minute and east-of-+12 h zones', () => {
      assert.equal(iso(zonedToInstant(wall(2027, 3, 28, 2, 30), WARSAW)), '2027-03-28T01:30:00.000Z'); // 03:30 CEST
      assert.equal(iso(zonedToInstant(wall(2027, 3, 14, 2, 30), 'America/New_York')), '2027-03-14T07:30:00.000Z'); // 03:30 EDT
      assert.equal(iso(zonedToInstant(wall(2027, 10, 3, 2, 15), 'Australia/Lord_Howe')), '2027-10-02T15:45:00.000Z'); // 02:45 +11
      assert.equal(iso(zonedToInstant(wall(2027, 9, 26, 2, 30), 'Pacific/Auckland')), '2027-09-25T14:30:00.000Z'); // 03:30 NZDT
      assert.equal(local(zonedToInstant(wall(2027, 9, 26, 3, 0), 'Pacific/Chatham'), 'Pacific/Chatham'), '2027-09-26 04:00:00');
    });

    it('takes the earlier instant of an ambiguous local time', () => {
      // 01:30 on 7 November 2027 happens twice in New York: 05:30Z (EDT) and 06:30Z (EST).
      assert.equal(iso(zonedToInstant(wall(2027, 11, 7, 1, 30), 'America/New_York')), '2027-11-07T05:30:00.000Z');
      assert.equal(iso(zonedToInstant(wall(2027, 4, 4, 1, 45), 'Australia/Lord_Howe')), '2027-04-03T14:45:00.000Z'); // +11, not +10:30
      assert.equal(iso(zonedToInstant(wall(2027, 4, 4, 2, 30), 'Pacific/Auckland')), '2027-04-03T13:30:00.000Z'); // NZDT, not NZST
      assert.equal(iso(zonedToInstant(wall(2027, 10, 31, 2, 30), WARSAW)), '2027-10-31T00:30:00.000Z'); // CEST, not CET
    });

    it('a daily New York charge crosses the fall-back night on the earlier 01:30, and an anchor in the repeated hour is itself period 0', () => {
      const got = times({ kind: 'interval', days: 1 }, Date.parse('2027-11-06T05:30:00Z'), 'America/New_York', 3);
      assert.deepEqual(got.map(iso), ['2027-11-06T05:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
      const secondOneThirty = Date.parse('2027-11-07T06:30:00Z'); // 01:30 EST
      for (const s of [{ kind: 'interval', days: 1 }, { kind: 'interval', days: 31 }, { kind: 'weekly', weekday: 7 }, { kind: 'monthly', day: 7 }] satisfies Schedule[]) {
        assert.equal(chargeTime(s, secondOneThirty, 'America/New_York', 0), secondOneThirty, JSON.stringify(s));
        assert.ok((chargeTime(s, secondOneThirty, 'America/New_York', 1) ?? 0) > secondOneThirty, JSON.stringify(s));
      }
    });
  });

  it('interval PT30S steps 30 s in UTC and nextChargeAfter jumps straight to the period', () => {
    const s: Schedule = { kind: 'interval', duration: 'PT30S' };
    const anchor = Date.parse('2027-01-01T00:00:00Z');
    for (const n of [0, 1, 4, 1_000_000]) assert.equal(chargeTime(s, anchor, WARSAW, n), anchor + 30_000 * n);
    assert.deepEqual(nextChargeAfter(s, anchor, WARSAW, anchor + 10 * 86_400_000 + 1), { period: 28_801, at: anchor + 28_801 * 30_000 });
    assert.deepEqual(nextChargeAfter(s, anchor, WARSAW, anchor + 30_000), { period: 2, at: anchor + 60_000 }, 'strictly after');
    assert.deepEqual(nextChargeAfter(s, anchor, WARSAW, anchor - 1), { period: 0, at: anchor });
    // Ten years of 30-second periods: answered without walking them.
    const started = performance.now();
    assert.equal(nextChargeAfter(s, anchor, WARSAW, anchor + 10 * 365 * 86_400_000)?.period, 10_512_001);
    assert.ok(performance.now() - started < 50);
  });

  it('automatic schedules have no timer', () => {
    const anchor = Date.parse('2027-01-01T00:00:00Z');
    assert.equal(chargeTime({ kind: 'automatic' }, anchor, 'UTC', 0), null);
    assert.equal(nextChargeAfter({ kind: 'automatic' }, anchor, 'UTC', anchor), null);
  });

  it('validateSchedule accepts good schedules and rejects bad ones with ValidationError', () => {
    for (const good of [
      { kind: 'interval', days: 1 },
      { kind: 'interval', days: 366 },
      { kind: 'interval', duration: 'PT30S' },
      { kind: 'weekly', weekday: 7 },
      { kind: 'monthly', day: 31, amount_hook: 'https://example.com/amount' },
      { kind: 'automatic' },
    ]) {
      assert.deepEqual(validateSchedule(good), good);
    }
    for (const bad of [
      null,
      'monthly',
      [],
      {},
      { kind: 'yearly' },
      { kind: 'interval' },
      { kind: 'interval', days: 0 },
      { kind: 'interval', days: 367 },
      { kind: 'interval', days: 1.5 },
      { kind: 'interval', days: '7' },
      { kind: 'interval', days: 7, duration: 'P7D' },
      { kind: 'interval', duration: 'P1M' },
      { kind: 'interval', duration: 'PT0S' },
      { kind: 'interval', duration: 30 },
      { kind: 'weekly', weekday: 0 },
      { kind: 'weekly', weekday: 8 },
      { kind: 'weekly' },
      { kind: 'monthly', day: 0 },
      { kind: 'monthly', day: 32 },
      { kind: 'monthly', day: Number.NaN },
    ]) {
      assert.throws(() => validateSchedule(bad), ValidationError, JSON.stringify(bad));
    }
  });

  it('knows IANA time zones', () => {
    for (const tz of [...ZONES, 'Etc/GMT+5']) assert.ok(isValidTimeZone(tz), tz);
    for (const tz of ['', 'Mars/Olympus', 'CEST+2', '+01:00']) assert.ok(!isValidTimeZone(tz), tz);
  });

  describe('properties', () => {
    const zoneArb = fc.constantFrom(...ZONES);
    const anchorArb = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T23:59:59Z') });
    // Half the anchors sit a few days (or minutes) before a DST switch at about the switch's wall
    // time, so daily and weekly charges land in gaps and folds instead of almost never.
    const caseArb = zoneArb.chain((tz) =>
      fc.tuple(
        fc.oneof(
          anchorArb,
          fc
            .record({ year: fc.integer({ min: 2020, max: 2035 }), pick: fc.nat(), days: fc.integer({ min: 0, max: 10 }), ms: fc.integer({ min: -5_400_000, max: 5_400_000 }) })
            .map(({ year, pick, days, ms }) => {
              const switches = transitionsIn(tz, year);
              const at = switches[pick % Math.max(1, switches.length)] ?? Date.UTC(year, 6, 1);
              return at - days * 86_400_000 + ms;
            }),
        ),
        fc.constant(tz),
      ),
    );
    const calendarArb: fc.Arbitrary<Schedule> = fc.oneof(
      fc.integer({ min: 1, max: 31 }).map((day) => ({ kind: 'monthly' as const, day })),
      fc.integer({ min: 1, max: 7 }).map((weekday) => ({ kind: 'weekly' as const, weekday })),
      fc.oneof(fc.constantFrom(1, 7, 14, 28, 30, 31, 90, 365), fc.integer({ min: 1, max: 366 })).map((days) => ({ kind: 'interval' as const, days })),
    );
    const scheduleArb: fc.Arbitrary<Schedule> = fc.oneof(
      calendarArb,
      fc.constantFrom('PT30S', 'PT1H', 'P1D', 'P1W', 'P1DT0.5S').map((duration) => ({ kind: 'interval' as const, duration })),
    );
    const PERIODS = 24;

    it('chargeTime is strictly increasing and never before the anchor', () => {
      fc.assert(
        fc.property(scheduleArb, caseArb, (schedule, [anchor, tz]) => {
          const got = times(schedule, anchor, tz, PERIODS);
          assert.ok((got[0] ?? Number.NaN) >= anchor);
          if (schedule.kind === 'interval') assert.equal(got[0], anchor);
          for (let p = 1; p < got.length; p += 1) assert.ok((got[p] ?? Number.NaN) > (got[p - 1] ?? Number.NaN), `period ${p}`);
        }),
        { numRuns: 200 },
      );
    });

    it('calendar charges land on the right weekday, clamped day or date, at the anchor’s local time unless it fell in a gap', () => {
      fc.assert(
        fc.property(calendarArb, caseArb, (schedule, [anchor, tz]) => {
          const a = zonedParts(anchor, tz);
          const secondOfDay = (x: { hour: number; minute: number; second: number }) => x.hour * 3600 + x.minute * 60 + x.second;
          times(schedule, anchor, tz, PERIODS).forEach((t, p) => {
            const l = zonedParts(t, tz);
            const at = `period ${p} at ${local(t, tz)}, anchor ${local(anchor, tz)} ${tz}`;
            assert.equal(((t % 1000) + 1000) % 1000, ((anchor % 1000) + 1000) % 1000, `milliseconds kept, ${at}`);
            if (schedule.kind === 'weekly') assert.equal(l.weekday, schedule.weekday, at);
            if (schedule.kind === 'monthly') assert.equal(l.day, Math.min(schedule.day, monthLength(l.year, l.month)), at);
            if ('days' in schedule) {
              const months = a.year * 12 + a.month - 1 + p;
              const expected =
                schedule.days === 31
                  ? Date.UTC(Math.floor(months / 12), months % 12, Math.min(a.day, monthLength(Math.floor(months / 12), (months % 12) + 1)))
                  : Date.UTC(a.year, a.month - 1, a.day + p * schedule.days);
              assert.equal(Date.UTC(l.year, l.month - 1, l.day), expected, at);
            }
            const late = secondOfDay(l) - secondOfDay(a);
            if (late !== 0) {
              // Only a wall time that did not exist that day moves, and by exactly the gap.
              const gap = (offset(t, tz) - offset(t - 86_400_000, tz)) / 1000;
              assert.ok(late > 0 && late === gap, `${at}: ${late} s late, gap ${gap} s`);
            }
          });
        }),
        { numRuns: 200 },
      );
    });

    it('nextChargeAfter returns the first period strictly after the moment', () => {
      fc.assert(
        fc.property(scheduleArb, caseArb, fc.integer({ min: -40 * 86_400_000, max: 15 * 365 * 86_400_000 }), (schedule, [anchor, tz], delta) => {
          const after = anchor + delta;
          const next = nextChargeAfter(schedule, anchor, tz, after);
          assert.ok(next);
          assert.ok(next.at > after);
          assert.equal(next.at, chargeTime(schedule, anchor, tz, next.period));
          if (next.period > 0) assert.ok((chargeTime(schedule, anchor, tz, next.period - 1) ?? Number.NaN) <= after);
        }),
        { numRuns: 200 },
      );
    });

    it('zonedToInstant inverts zonedParts, picking the earlier instant of a repeated hour', () => {
      fc.assert(
        fc.property(caseArb, ([instant, tz]) => {
          const whole = Math.floor(instant / 1000) * 1000;
          const back = zonedToInstant(zonedParts(whole, tz), tz);
          assert.equal(local(back, tz), local(whole, tz));
          // Equal, or the same reading one fold (at most an hour) earlier.
          assert.ok(back === whole || (back < whole && whole - back <= 3_600_000), `${local(whole, tz)} ${tz}`);
        }),
        { numRuns: 200 },
      );
    });
  });
});
