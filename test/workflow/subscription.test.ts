import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../support/time-skipping.js';
import { fakeSubscriptionActivities, runWithWorker, snapshot, startSubscription } from './subscription-harness.js';

const HOUR = 3_600_000;
/** Charge times to the second: the test server stamps the activity a few ms after the timer. */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
/**
 * When a charge (or a state write) ran, to the minute: every one these tests expect is due on a whole minute, and
 * the fake records when its activity was scheduled — after the timer fired and a workflow task ran,
 * which on a loaded machine takes real seconds the time-skipping clock counts too (CI saw
 * 23:00:01 for 23:00:00).
 */
const atMinute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

describe('subscription workflow (time-skipping)', () => {
  // One test server per test: its clock only moves forward, and each test starts in its own year.
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  it('charges 12 monthly periods anchored on 31 January on the right days, then ends', async () => {
    const fake = fakeSubscriptionActivities();
    // 2027-01-31 09:00 in Warsaw (UTC+1); the end date falls after the twelfth charge.
    const s = snapshot({ firstChargeAt: '2027-01-31T08:00:00.000Z', schedule: { kind: 'monthly', day: 31 }, endsAt: '2028-01-15T00:00:00.000Z' });
    const result = await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    assert.deepEqual(fake.charges.map((c) => atMinute(c.at)), [
      '2027-01-31T08:00:00.000Z', '2027-02-28T08:00:00.000Z', '2027-03-31T07:00:00.000Z', '2027-04-30T07:00:00.000Z',
      '2027-05-31T07:00:00.000Z', '2027-06-30T07:00:00.000Z', '2027-07-31T07:00:00.000Z', '2027-08-31T07:00:00.000Z',
      '2027-09-30T07:00:00.000Z', '2027-10-31T08:00:00.000Z', '2027-11-30T08:00:00.000Z', '2027-12-31T08:00:00.000Z',
    ]);
    assert.deepEqual(fake.charges.map((c) => [c.period, c.attempt]), Array.from({ length: 12 }, (_, i) => [i, 0]));
    assert.equal(result.state, 'system_stopped');
    assert.equal(result.stoppedReason, 'ended');
    assert.equal(result.period, 12, 'continue-as-new carried the period count across 12 runs');
  });

  it('continues as new only when its run\'s history is long, charging every period once across runs', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2027-02-01T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'interval', duration: 'P1D' }, endsAt: '2027-03-12T12:00:00.000Z' });
    const handle = await runWithWorker(env, fake.activities, async (tq) => {
      const h = await startSubscription(env, tq, s);
      await h.result();
      return h;
    });
    // Follow the continue-as-new chain from the first run, as the server recorded it.
    const lengths: number[] = [];
    for (let runId = handle.firstExecutionRunId as string | null | undefined; runId; ) {
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      lengths.push(history.events?.length ?? 0);
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    assert.deepEqual(fake.charges.map((c) => [c.period, c.attempt]), Array.from({ length: 40 }, (_, i) => [i, 0]), 'each of the 40 days charged once');
    assert.ok(lengths.length >= 2 && lengths.length <= 6, `40 periods took ${lengths.length} runs (${lengths.join(', ')} events), not one per period`);
    for (const n of lengths) assert.ok(n < 260, `a run of ${n} events: continue-as-new comes at about 200`);
    assert.equal(fake.writes.at(-1)?.period, 40, 'the state mirror saw the last period');
  });

  it('charges weekly on the weekday at the same local time across DST', async () => {
    const weekly = fakeSubscriptionActivities();
    // Wednesday 2027-03-03 12:00 UTC; Mondays at the same local time (Warsaw), across the DST switch.
    const w = snapshot({ firstChargeAt: '2027-03-03T11:00:00.000Z', schedule: { kind: 'weekly', weekday: 1 }, endsAt: '2027-04-06T00:00:00.000Z' });
    await runWithWorker(env, weekly.activities, async (tq) => (await startSubscription(env, tq, w)).result());
    assert.deepEqual(weekly.charges.map((c) => atMinute(c.at)), [
      '2027-03-08T11:00:00.000Z', '2027-03-15T11:00:00.000Z', '2027-03-22T11:00:00.000Z', '2027-03-29T10:00:00.000Z', '2027-04-05T10:00:00.000Z',
    ]);
  });

  it('charges interval-31 by calendar month, clamping to the month end', async () => {
    const monthly31 = fakeSubscriptionActivities();
    const m = snapshot({ firstChargeAt: '2027-01-30T23:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'interval', days: 31 }, endsAt: '2027-05-01T00:00:00.000Z' });
    await runWithWorker(env, monthly31.activities, async (tq) => (await startSubscription(env, tq, m)).result());
    assert.deepEqual(monthly31.charges.map((c) => atMinute(c.at)), [
      '2027-01-30T23:00:00.000Z', '2027-02-28T23:00:00.000Z', '2027-03-30T23:00:00.000Z', '2027-04-30T23:00:00.000Z',
    ]);
  });

  it('retries a soft decline by the retry schedule, then recovers on the original schedule', async () => {
    const fake = fakeSubscriptionActivities(['soft_decline', 'soft_decline', 'success']);
    const first = Date.parse('2027-06-01T08:00:00.000Z');
    const s = snapshot({ firstChargeAt: iso(first), timeZone: 'UTC', schedule: { kind: 'monthly', day: 1 }, endsAt: '2027-07-15T00:00:00.000Z', retryDelaysMs: [15 * 60_000, 6 * HOUR] });
    const result = await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    assert.deepEqual(fake.charges.map((c) => [c.period, c.attempt, atMinute(c.at)]), [
      [0, 0, '2027-06-01T08:00:00.000Z'],
      [0, 1, '2027-06-01T08:15:00.000Z'],
      [0, 2, '2027-06-01T14:15:00.000Z'],
      [1, 0, '2027-07-01T08:00:00.000Z'], // from the schedule, not from the recovery
    ]);
    assert.deepEqual(fake.events().filter((e) => e !== 'subscription.updated'), ['subscription.past_due', 'subscription.recovered', 'subscription.stopped']);
    assert.equal(result.stoppedReason, 'ended');
  });

  it('stops at once on a hard decline, and when the retry budget is spent', async () => {
    const hard = fakeSubscriptionActivities(['hard_decline']);
    const h = await runWithWorker(env, hard.activities, async (tq) =>
      (await startSubscription(env, tq, snapshot({ firstChargeAt: '2027-06-01T08:00:00.000Z' }))).result(),
    );
    assert.equal(h.state, 'system_stopped');
    assert.equal(h.stoppedReason, 'hard_decline');
    assert.equal(hard.charges.length, 1);

    const soft = fakeSubscriptionActivities(['soft_decline', 'soft_decline', 'soft_decline', 'soft_decline']);
    const x = await runWithWorker(env, soft.activities, async (tq) =>
      (await startSubscription(env, tq, snapshot({ firstChargeAt: '2027-06-01T08:00:00.000Z', retryDelaysMs: [HOUR, 2 * HOUR] }))).result(),
    );
    assert.equal(x.state, 'system_stopped');
    assert.equal(x.stoppedReason, 'retries_exhausted');
    assert.equal(soft.charges.length, 3, 'first try plus two retries');
  });

  it('retries technical errors sooner without spending the retry budget', async () => {
    const fake = fakeSubscriptionActivities(['technical_error', 'technical_error', 'soft_decline', 'success']);
    const s = snapshot({ firstChargeAt: '2027-06-01T08:00:00.000Z', timeZone: 'UTC', endsAt: '2027-06-20T00:00:00.000Z', retryDelaysMs: [HOUR] });
    const result = await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    const t0 = Date.parse('2027-06-01T08:00:00.000Z');
    // Each wait is measured from the end of the attempt before it, so the real seconds each fake
    // charge and its workflow task took on a loaded machine add up (CI once saw 3781 s for 3780 s).
    const expected = [0, 60_000, 3 * 60_000, 3 * 60_000 + HOUR];
    const at = fake.charges.map((c) => c.at - t0);
    assert.equal(at.length, expected.length, `charges at ${at.join(', ')} ms`);
    at.forEach((ms, i) => assert.ok(ms >= (expected[i] ?? 0) && ms < (expected[i] ?? 0) + 10_000, `charge ${i} at ${ms} ms, expected ${expected[i]} ms (within 10 s)`));
    assert.equal(result.stoppedReason, 'ended', 'recovered: one soft decline fit the budget of one');
  });

  it('warns before the card expires, then stops with card_expired when it expires, not at the next charge', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2027-01-15T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 15 }, paymentMethod: { token: 'sandbox_approve', expires: '2027-02' } });
    const result = await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    assert.deepEqual(fake.charges.map((c) => atMinute(c.at)), ['2027-01-15T08:00:00.000Z', '2027-02-15T08:00:00.000Z']);
    const at = (type: string) => fake.writes.filter((w) => w.events.some((e) => e.type === type)).map((w) => atMinute(w.at));
    assert.deepEqual(at('card.expiring'), ['2027-02-15T00:00:00.000Z'], 'CARD_EXPIRY_NOTICE_DAYS (14) before the end of February');
    assert.deepEqual(at('subscription.stopped'), ['2027-03-01T00:00:00.000Z'], 'at the end of the expiry month, not on 15 March');
    assert.equal(result.state, 'system_stopped');
    assert.equal(result.stoppedReason, 'card_expired');
  });

  it('stops a quarterly subscription when its card expires between two charges', async () => {
    const fake = fakeSubscriptionActivities();
    const s = snapshot({ firstChargeAt: '2027-01-10T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'interval', days: 90 }, paymentMethod: { token: 'sandbox_approve', expires: '2027-02' } });
    const result = await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    assert.deepEqual(fake.charges.map((c) => atMinute(c.at)), ['2027-01-10T08:00:00.000Z']);
    assert.deepEqual(fake.writes.filter((w) => w.state === 'system_stopped').map((w) => atMinute(w.at)), ['2027-03-01T00:00:00.000Z']);
    assert.equal(result.stoppedReason, 'card_expired');
  });

  it('skips a period the gateway refuses (its limits) without an attempt, and charges the next', async () => {
    const fake = fakeSubscriptionActivities(['refused']);
    const s = snapshot({ firstChargeAt: '2027-01-01T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 1 }, endsAt: '2027-02-15T00:00:00.000Z' });
    await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    assert.deepEqual(fake.charges.map((c) => [c.period, c.attempt]), [[0, 0], [1, 0]], 'the refused period made no attempt: period 1 is attempt 0');
    const skipped = fake.writes.flatMap((w) => w.events).find((e) => e.type === 'subscription.charge_skipped');
    assert.match(String(skipped?.payload.reason), /above the gateway maximum/);
  });

  it('skips a period when the amount hook fails, and charges what it answers otherwise', async () => {
    const fake = fakeSubscriptionActivities();
    fake.hookAnswers.push({ kind: 'failed', reason: 'timeout' }, { kind: 'amount', amountMinor: 2500 });
    const s = snapshot({ firstChargeAt: '2027-01-01T08:00:00.000Z', timeZone: 'UTC', schedule: { kind: 'monthly', day: 1, amount_hook: 'http://billing.invalid/amount' }, endsAt: '2027-02-15T00:00:00.000Z' });
    await runWithWorker(env, fake.activities, async (tq) => (await startSubscription(env, tq, s)).result());
    assert.deepEqual(fake.charges.map((c) => [c.period, c.amountMinor]), [[1, 2500]]);
    assert.ok(fake.events().includes('subscription.charge_skipped'));
  });
});
