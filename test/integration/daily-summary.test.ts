import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { createDailySummaryActivities } from '../../src/activities/daily-summary.js';
import { insertCustomer } from '../../src/db/customers.js';
import { newId } from '../../src/db/ids.js';
import { createPool } from '../../src/db/pool.js';
import { renderEmail } from '../../src/notifications/render.js';
import { testEnv } from '../support/env.js';

/**
 * The daily summary's figures from seeded rows on a day of their own (2003, so no other test's
 * rows fall in it), a local day in Europe/Warsaw: a row at 00:30 local counts, one at 23:30 local
 * the day before does not, though both are the same UTC date.
 */
describe('daily summary figures (real Postgres)', () => {
  let pool: pg.Pool;
  before(() => {
    pool = createPool(testEnv.databaseUrl(), 3);
  });
  after(async () => {
    await pool.end();
  });

  const day = `2003-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
  const tz = 'Europe/Warsaw';
  const local = (d: string, hhmm: string) => `${d} ${hhmm}:00 ${tz}`; // Postgres reads the zone name
  const dayBefore = new Date(Date.parse(`${day}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

  async function seed() {
    const gw = `gw${randomUUID().slice(0, 8)}`;
    const customerId = newId('cus');
    await insertCustomer(pool, { id: customerId, externalRef: `ext-${randomUUID()}`, name: 'Summary', email: null });
    const payment = async (status: string, amount: number, currency: string, completedAt: string | null, createdAt: string, gateway = gw, mode = 'test') => {
      const id = newId('pay');
      await pool.query(
        `INSERT INTO payments (id, customer_id, amount_minor, currency, gateway, mode, description, reference, status, expires_at, completed_at, created_at, adapter, settlement)
         VALUES ($1, $2, $3, $4, $5, $10, '', $6, $7, now(), $8::timestamptz, $9::timestamptz, 'sandbox', 'immediate')`,
        [id, customerId, amount, currency, gateway, `S${randomUUID().slice(0, 12)}`, status, completedAt, createdAt, mode],
      );
      return id;
    };
    const ok1 = await payment('succeeded', 1815, 'PLN', local(day, '00:30'), local(dayBefore, '23:00'));
    await payment('succeeded', 2000, 'PLN', local(day, '23:59'), local(day, '23:00'));
    await payment('succeeded', 999, 'EUR', local(day, '12:00'), local(day, '11:00'));
    await payment('failed', 500, 'PLN', local(day, '12:00'), local(day, '11:00'));
    await payment('pending', 700, 'PLN', null, local(day, '08:00'));
    await payment('succeeded', 10000, 'PLN', local(day, '13:00'), local(day, '12:00'), gw, 'live');
    await payment('succeeded', 123, 'PLN', local(dayBefore, '23:30'), local(dayBefore, '23:00')); // the day before, local time
    await pool.query(
      `INSERT INTO refunds (id, payment_id, customer_id, gateway, mode, amount_minor, currency, reason, status, idempotency_key, requested_by, created_at, completed_at)
       VALUES ($1, $2, $3, $4, 'test', 300, 'PLN', 'r', 'succeeded', $5, 'k', $6::timestamptz, $6::timestamptz)`,
      [newId('rfd'), ok1, customerId, gw, `refund:${randomUUID()}`, local(day, '10:00')],
    );
    // Subscriptions: what the summary counts is subscriptions, not attempts.
    const subscription = async (mode: 'test' | 'live', amount = 4999) => {
      const id = newId('sub');
      await pool.query(
        `INSERT INTO subscriptions (id, customer_id, gateway, mode, payment_method, amount_minor, currency, schedule, time_zone, first_charge_at, retry_schedule, period)
         VALUES ($1, $2, $3, $4, '{"token":"t","expires":null}', $5, 'PLN', '{"kind":"monthly","day":1}', 'UTC', now(), '{}', 0)`,
        [id, customerId, gw, mode, amount],
      );
      return id;
    };
    const attempt = (sub: string, n: number, status: string, outcome: string, at: string, mode = 'test', amount = 4999) => pool.query(
      `INSERT INTO charge_attempts (subscription_id, period, attempt, idempotency_key, amount_minor, currency, mode, status, outcome, completed_at)
       VALUES ($1, 0, $2, $3, $7, 'PLN', $6, $4, $5, $8::timestamptz)`,
      [sub, n, `${sub}:0:${n}`, status, outcome, mode, amount, at],
    );
    const stopped = (sub: string, reason: string, at: string) => pool.query(
      `INSERT INTO events (type, aggregate_type, aggregate_id, payload, created_at)
       VALUES ('subscription.stopped', 'subscription', $1, $2::jsonb, $3::timestamptz)`,
      [sub, JSON.stringify({ subscription_id: sub, by: 'system', reason }), at],
    );
    // Retried four times, then charged: one subscription charged (not four failed and one charged).
    const retried = await subscription('test');
    await attempt(retried, 0, 'failed', 'soft_decline', local(day, '01:00'));
    await attempt(retried, 1, 'failed', 'technical_error', local(day, '02:00'));
    await attempt(retried, 2, 'failed', 'soft_decline', local(day, '06:00'));
    await attempt(retried, 3, 'failed', 'soft_decline', local(day, '12:00'));
    await attempt(retried, 4, 'succeeded', 'success', local(day, '18:00'));
    // Declined and still retrying tomorrow (past_due): neither charged nor failed for good.
    const pastDue = await subscription('test');
    await attempt(pastDue, 0, 'failed', 'soft_decline', local(day, '07:00'));
    // Retries ran out that day: failed for good.
    const exhausted = await subscription('test', 2500);
    await attempt(exhausted, 0, 'failed', 'soft_decline', local(day, '08:00'), 'test', 2500);
    await stopped(exhausted, 'retries_exhausted', local(day, '08:00'));
    // A hard decline (live): failed for good at once.
    const refused = await subscription('live', 7000);
    await attempt(refused, 0, 'failed', 'hard_decline', local(day, '09:00'), 'live', 7000);
    await stopped(refused, 'hard_decline', local(day, '09:00'));
    // Stopped by its user, and by the card's expiry: stops, but no charge failed.
    await stopped(await subscription('test'), 'user_request', local(day, '10:00'));
    await stopped(await subscription('test'), 'card_expired', local(day, '10:00'));
    // Failed for good the day before (local time): not this day's.
    await stopped(await subscription('test'), 'retries_exhausted', local(dayBefore, '23:30'));
    // A live subscription charged that day.
    const live = await subscription('live', 10000);
    await attempt(live, 0, 'succeeded', 'success', local(day, '05:00'), 'live', 10000);
    const temporary = (paymentId: string, settledReason: string | null, settledAt: string | null, createdAt: string) => pool.query(
      `INSERT INTO temporary_payments (id, payment_id, customer_id, amount_minor, currency, reference, status, settled_reason, settled_at, created_at)
       VALUES ($1, $2, $3, 100, 'PLN', $4, $5, $6, $7::timestamptz, $8::timestamptz)`,
      [newId('tmp'), paymentId, customerId, randomUUID(), settledReason ? 'settled' : 'open', settledReason, settledAt, createdAt],
    );
    await temporary(await payment('succeeded', 100, 'PLN', local(dayBefore, '10:00'), local(dayBefore, '10:00'), `${gw}x`), 'expired', local(day, '09:00'), local(dayBefore, '09:00'));
    await temporary(await payment('succeeded', 100, 'PLN', local(dayBefore, '10:00'), local(dayBefore, '10:00'), `${gw}x`), 'bank', local(day, '09:00'), local(day, '01:00'));
    await temporary(await payment('succeeded', 100, 'PLN', local(dayBefore, '10:00'), local(dayBefore, '10:00'), `${gw}x`), null, null, local(day, '02:00'));
    return gw;
  }

  it('counts payments and refunds by gateway and status with sums per currency, charges, and temporary payments, in one e-mail a day', async () => {
    const gw = await seed();
    const activities = createDailySummaryActivities({ pool, email: { ADMIN_EMAILS: ['ops@example.com'], ADMIN_LOCALE: 'pl' } });
    const result = await activities.queueDailySummary({ date: day, timeZone: tz });
    assert.ok(result.queued);
    const row = (await pool.query('SELECT * FROM notifications WHERE dedupe_key = $1', [`daily_summary:${day}`])).rows[0];
    assert.deepEqual([row.id, row.type, row.audience, row.recipients, row.locale], [result.notificationId, 'daily_summary', 'admin', ['ops@example.com'], 'pl']);
    const text: string = row.data.payments_text;
    const lines = text.split('\n').filter((l) => l.startsWith(gw + ' '));
    assert.deepEqual(lines.map((l) => l.split(/\s{2,}/)), [
      [gw, 'succeeded', '1', '100,00\u00a0PLN'],
      [`${gw} (test)`, 'failed', '1', '5,00\u00a0PLN'],
      [`${gw} (test)`, 'pending', '1', '7,00\u00a0PLN'],
      [`${gw} (test)`, 'succeeded', '1', '9,99\u00a0EUR'],
      [`${gw} (test)`, 'succeeded', '2', '38,15\u00a0PLN'],
    ], 'per currency and mode, never added across (live money apart from test money); the 23:30 payment of the day before is not in it');
    assert.ok(String(row.data.refunds_text).split('\n').some((l) => l.startsWith(`${gw} `) && l.includes('succeeded') && l.includes('3,00\u00a0PLN')));
    assert.ok(String(row.data.payments_html).includes(`<td style="padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:left">${gw} (test)</td>`));
    // Subscriptions that day: counted once each, whatever their attempts; mode apart.
    const charges = String(row.data.charges_text).split('\n').slice(2).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(charges, [
      ['pobrane', '1', '100,00\u00a0PLN'],
      ['pobrane (test)', '1', '49,99\u00a0PLN'],
      ['nieudane ostatecznie: karta odrzucona', '1', '70,00\u00a0PLN'],
      ['nieudane ostatecznie: wyczerpane próby (test)', '1', '25,00\u00a0PLN'],
    ], 'the retried-then-charged one is charged, the past-due one is neither, user and card-expiry stops are no failures');
    // Every attempt, as its own clearly labelled line.
    assert.deepEqual(String(row.data.attempts_text).split('\n'), [
      'Próby obciążenia: udane: 1, odrzucone: 1, z błędem: 0',
      'Próby obciążenia (test): udane: 1, odrzucone: 5, z błędem: 1',
    ]);
    assert.equal(row.data.temporary_expired, 1);
    assert.equal(row.data.temporary_created, 2);
    assert.ok(row.data.temporary_open >= 1, 'ours is open (others may be too: open counts now, not the day)');
    assert.equal(row.data.date, new Intl.DateTimeFormat('pl-PL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.parse(`${day}T12:00:00Z`)).replace(/ r\.$/, ''));

    const mail = await renderEmail('daily_summary', 'pl', row.data);
    assert.match(mail.subject, /^Podsumowanie dnia \d+ \S+ 2003$/);
    assert.ok(mail.html.includes('<table style="border-collapse:collapse'));
    assert.doesNotMatch(mail.text + mail.html, /\{\{/);
    assert.ok(mail.text.includes('Subskrypcje pobrane i nieudane') && mail.text.includes('Próby obciążenia (test): udane: 1'));
    assert.ok(mail.html.includes('<p style="margin:4px 0;color:#374151">Próby obciążenia (test): udane: 1, odrzucone: 5, z błędem: 1</p>'));

    assert.deepEqual(await activities.queueDailySummary({ date: day, timeZone: tz }), { queued: false, why: 'already_queued' }, 'a retry queues nothing more');
    const none = createDailySummaryActivities({ pool, email: { ADMIN_EMAILS: [], ADMIN_LOCALE: 'en' } });
    assert.deepEqual(await none.queueDailySummary({ date: dayBefore, timeZone: tz }), { queued: false, why: 'no_recipients' });
  });
});
