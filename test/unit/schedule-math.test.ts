import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '../../src/domain/errors.js';
import { chargeTime, nextChargeAfter, type Schedule, validateSchedule } from '../../src/domain/schedule.js';
import { daysInMonth, zonedParts, zonedToInstant } from '../../src/domain/zoned-time.js';

const ZONES = ['UTC', 'Europe/Warsaw', 'Europe/Moscow', 'America/New_York', 'America/Sao_Paulo', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Auckland'];
const localDate = (ms: number, tz: string) => {
  const p = zonedParts(ms, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
};
const periods = (s: Schedule, anchor: string, tz: string, n: number) =>
  Array.from({ length: n }, (_, i) => chargeTime(s, Date.parse(anchor), tz, i) ?? Number.NaN);

describe('schedule math', () => {
  it('anchors monthly-31 and interval-31 on 31 January and clamps without drifting, at 09:00 Warsaw across DST', () => {
    const expected = ['01-31', '02-28', '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30', '12-31'].map((d) => `2027-${d} 09:00`);
    for (const s of [{ kind: 'monthly', day: 31 }, { kind: 'interval', days: 31 }] as const) {
      const times = periods(s, '2027-01-31T08:00:00Z', 'Europe/Warsaw', 12);
      assert.deepEqual(times.map((t) => localDate(t, 'Europe/Warsaw')), expected, s.kind);
      assert.equal(new Date(times[0] ?? 0).toISOString(), '2027-01-31T08:00:00.000Z'); // CET, UTC+1
      assert.equal(new Date(times[6] ?? 0).toISOString(), '2027-07-31T07:00:00.000Z'); // CEST, UTC+2
    }
    assert.equal(localDate(chargeTime({ kind: 'monthly', day: 31 }, Date.parse('2028-01-31T08:00:00Z'), 'Europe/Warsaw', 1) ?? 0, 'Europe/Warsaw'), '2028-02-29 09:00');
  });

  it('puts weekly charges on the weekday at the anchor’s local time', () => {
    // Anchored on Wednesday 2027-03-24 10:00 Warsaw; Mondays, across the 28 March switch.
    const times = periods({ kind: 'weekly', weekday: 1 }, '2027-03-24T09:00:00Z', 'Europe/Warsaw', 3);
    assert.deepEqual(times.map((t) => localDate(t, 'Europe/Warsaw')), ['2027-03-29 10:00', '2027-04-05 10:00', '2027-04-12 10:00']);
  });

  it('moves a time inside a spring-forward gap forward, and takes the earlier of an ambiguous time', () => {
    const daily = periods({ kind: 'interval', days: 1 }, '2027-03-27T01:30:00Z', 'Europe/Warsaw', 3); // 02:30 local
    assert.deepEqual(daily.map((t) => localDate(t, 'Europe/Warsaw')), ['2027-03-27 02:30', '2027-03-28 03:30', '2027-03-29 02:30']);
    // 01:30 on 2027-11-07 happens twice in New York; the first is 05:30Z (EDT).
    assert.equal(new Date(zonedToInstant({ year: 2027, month: 11, day: 7, hour: 1, minute: 30, second: 0 }, 'America/New_York')).toISOString(), '2027-11-07T05:30:00.000Z');
  });

  it('steps fixed durations in UTC and jumps straight to the next one', () => {
    const anchor = Date.parse('2027-01-01T00:00:00Z');
    assert.equal(chargeTime({ kind: 'interval', duration: 'PT30S' }, anchor, 'Europe/Warsaw', 4), anchor + 120_000);
    assert.deepEqual(nextChargeAfter({ kind: 'interval', duration: 'PT30S' }, anchor, 'UTC', anchor + 10 * 86_400_000 + 1), { period: 28_801, at: anchor + 28_801 * 30_000 });
    assert.equal(chargeTime({ kind: 'automatic' }, anchor, 'UTC', 3), null);
  });

  it('refuses schedules that make no sense', () => {
    for (const bad of [{ kind: 'monthly', day: 0 }, { kind: 'weekly', weekday: 8 }, { kind: 'interval', days: 0 }, { kind: 'interval', duration: 'P1M' }, { kind: 'yearly' }, null, { kind: 'automatic', amount_hook: 'http://x' }]) {
      assert.throws(() => validateSchedule(bad), ValidationError, JSON.stringify(bad));
    }
  });

  const scheduleArb: fc.Arbitrary<Schedule> = fc.oneof(
    fc.integer({ min: 1, max: 31 }).map((day) => ({ kind: 'monthly' as const, day })),
    fc.integer({ min: 1, max: 7 }).map((weekday) => ({ kind: 'weekly' as const, weekday })),
    fc.constantFrom(1, 7, 14, 30, 31, 90).map((days) => ({ kind: 'interval' as const, days })),
  );
  const anchorArb = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T00:00:00Z') });

  it('every next charge is after the previous one, on the right weekday or clamped day, at the anchor’s local time (property)', () => {
    fc.assert(
      fc.property(scheduleArb, anchorArb, fc.constantFrom(...ZONES), (schedule, anchor, tz) => {
        const a = zonedParts(anchor, tz);
        let previous = -Infinity;
        for (let p = 0; p < 14; p += 1) {
          const t = chargeTime(schedule, anchor, tz, p) ?? Number.NaN;
          assert.ok(t > previous, `period ${p} is after period ${p - 1}`);
          assert.ok(t >= anchor || p > 0, 'the first charge is not before the anchor');
          previous = t;
          const l = zonedParts(t, tz);
          if (schedule.kind === 'weekly') assert.equal(l.weekday, schedule.weekday);
          if (schedule.kind === 'monthly') assert.equal(l.day, Math.min(schedule.day, daysInMonth(l.year, l.month)));
          // The local time of day is the anchor's, unless that time did not exist that day (then later).
          const minutes = (x: { hour: number; minute: number }) => x.hour * 60 + x.minute;
          assert.ok(minutes(l) >= minutes(a) && minutes(l) - minutes(a) <= 60, `${localDate(t, tz)} keeps ${a.hour}:${a.minute}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nextChargeAfter finds the first period strictly after the moment (property)', () => {
    fc.assert(
      fc.property(scheduleArb, anchorArb, fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 3 * 365 * 86_400_000 }), (schedule, anchor, tz, offset) => {
        const after = anchor + offset;
        const next = nextChargeAfter(schedule, anchor, tz, after);
        assert.ok(next);
        assert.ok(next.at > after);
        assert.equal(next.at, chargeTime(schedule, anchor, tz, next.period));
        if (next.period > 0) assert.ok((chargeTime(schedule, anchor, tz, next.period - 1) ?? 0) <= after);
      }),
      { numRuns: 300 },
    );
  });
});
