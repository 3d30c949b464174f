import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleViolationError } from '../../src/domain/errors.js';
import { schedulePeriodProblem } from '../../src/domain/schedule.js';
import { planStart } from '../../src/domain/subscription-start.js';
import { reactivateConflict, stopConflict } from '../../src/domain/subscription.js';
import { recurringChargeProblem } from '../../src/gateways/limits.js';
import type { GatewaySettings } from '../../src/gateways/settings.js';

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const HOUR = { kind: 'interval', duration: 'PT1H' } as const;
const MONTHLY = { kind: 'monthly', day: 1 } as const;

describe('planStart: nothing is charged for time that has passed', () => {
  it('refuses a first charge more than 5 minutes in the past, naming the field, with a 422 error', () => {
    const yearAgo = Date.parse('2025-12-01T10:00:00.000Z');
    assert.throws(
      () => planStart({ schedule: MONTHLY, timeZone: 'UTC', nowMs: NOW, firstChargeAt: { ms: yearAgo, field: 'first_charge_at' }, periodsPaid: 0 }),
      (err: unknown) => err instanceof RuleViolationError && /first_charge_at: is more than 5 minutes in the past/.test(err.message),
    );
    assert.throws(
      () => planStart({ schedule: HOUR, timeZone: 'UTC', nowMs: NOW, firstChargeAt: { ms: NOW - 5 * 60_000 - 1, field: 'next_charge_at' }, periodsPaid: 3 }),
      /next_charge_at/,
    );
  });

  it('takes a first charge within the 5 minutes of clock skew, at that time', () => {
    const plan = planStart({ schedule: HOUR, timeZone: 'UTC', nowMs: NOW, firstChargeAt: { ms: NOW - 60_000, field: 'first_charge_at' }, periodsPaid: 0 });
    assert.deepEqual(plan, { anchorAtMs: NOW - 60_000, anchorPeriod: 0, period: 0, nextChargeAtMs: NOW - 60_000 });
  });

  it('moves a subscription in: periods_paid are skipped and the next charge is the one given', () => {
    const next = Date.parse('2027-01-01T08:00:00.000Z');
    const plan = planStart({ schedule: MONTHLY, timeZone: 'UTC', nowMs: NOW, firstChargeAt: { ms: next, field: 'next_charge_at' }, periodsPaid: 12 });
    assert.deepEqual(plan, { anchorAtMs: next, anchorPeriod: 12, period: 12, nextChargeAtMs: next });
  });

  it('a first payment is period 0: the first charge is one period after it', () => {
    const paid = NOW - 10 * 60_000;
    const plan = planStart({ schedule: HOUR, timeZone: 'UTC', nowMs: NOW, periodsPaid: 1, firstPaymentAtMs: paid });
    assert.deepEqual(plan, { anchorAtMs: paid, anchorPeriod: 0, period: 1, nextChargeAtMs: paid + 3_600_000 });
  });

  it('a first payment whose paid periods have already run out is refused rather than charged at once', () => {
    assert.throws(
      () => planStart({ schedule: HOUR, timeZone: 'UTC', nowMs: NOW, periodsPaid: 1, firstPaymentAtMs: NOW - 2 * 3_600_000 }),
      (err: unknown) => err instanceof RuleViolationError && /payment_method\.payment_id: .*give next_charge_at/.test(err.message),
    );
  });

  it('an automatic subscription has no next charge date', () => {
    assert.equal(planStart({ schedule: { kind: 'automatic' }, timeZone: 'UTC', nowMs: NOW, periodsPaid: 0 }).nextChargeAtMs, null);
  });
});

describe('schedulePeriodProblem: a schedule never charges without pause', () => {
  it('refuses under one minute for a live gateway, under five seconds even in test mode', () => {
    const d = (duration: string) => ({ kind: 'interval' as const, duration });
    assert.match(schedulePeriodProblem(d('PT0.001S'), 'test') ?? '', /shorter than PT5S/);
    assert.match(schedulePeriodProblem(d('PT4S'), 'test') ?? '', /shorter than PT5S/);
    assert.equal(schedulePeriodProblem(d('PT5S'), 'test'), undefined);
    assert.match(schedulePeriodProblem(d('PT59S'), 'live') ?? '', /shorter than one minute/);
    assert.equal(schedulePeriodProblem(d('PT1M'), 'live'), undefined);
    assert.equal(schedulePeriodProblem({ kind: 'interval', days: 1 }, 'live'), undefined);
    assert.equal(schedulePeriodProblem(MONTHLY, 'live'), undefined);
  });
});

describe('stop and reactivate (REMP)', () => {
  it('reactivates while the next charge is at or after now', () => {
    assert.equal(reactivateConflict('user_stopped', NOW, NOW), undefined);
    assert.equal(reactivateConflict('user_stopped', NOW + 1, NOW), undefined);
    assert.match(reactivateConflict('user_stopped', NOW - 1, NOW) ?? '', /has passed/);
  });

  it('takes a stop during a charge; the admin beats the user, and a repeat is refused', () => {
    assert.equal(stopConflict('charging', 'user'), undefined);
    assert.equal(stopConflict('charging', 'admin', 'user'), undefined);
    assert.match(stopConflict('charging', 'user', 'admin') ?? '', /administrator/);
    assert.match(stopConflict('charging', 'user', 'user') ?? '', /already pending/);
    assert.match(stopConflict('user_stopped', 'user') ?? '', /already user_stopped/);
  });
});

describe('recurringChargeProblem: the gateway decides what it takes', () => {
  const settings = (over: Partial<GatewaySettings>): GatewaySettings => ({
    name: 'card', adapter: 'sandbox', label: 'Card', enabled: true, mode: 'live', settlement: 'immediate', paymentExpiration: 5,
    paymentExpirationMs: 5 * 86_400_000, secrets: {}, callbackAllowlist: [], minAmount: 100n, maxAmount: 100_000n, currencies: ['PLN'],
    recurring: { minAmount: 500n, maxAmount: 50_000n }, paymentTtlMs: 3_600_000, account: null, lateSuccess: 'refund', ...over,
  });

  it('forbids recurring charges on a gateway without recurring settings (Assist)', () => {
    assert.match(recurringChargeProblem(settings({ recurring: null }), 1000n, 'PLN') ?? '', /takes no recurring charges/);
  });

  it('holds every amount to the recurring min/max and the currencies, with the range in words', () => {
    assert.equal(recurringChargeProblem(settings({}), 500n, 'PLN'), undefined);
    assert.equal(recurringChargeProblem(settings({}), 50_000n, 'PLN'), undefined);
    assert.match(recurringChargeProblem(settings({}), 499n, 'PLN') ?? '', /5\.00–500\.00 PLN; 4\.99 PLN is outside/);
    assert.match(recurringChargeProblem(settings({}), 50_001n, 'PLN') ?? '', /outside/);
    assert.match(recurringChargeProblem(settings({}), 1000n, 'EUR') ?? '', /in PLN only, not EUR/);
  });
});
