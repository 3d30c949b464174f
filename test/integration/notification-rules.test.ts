import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { temporaryPaymentJsonPayload } from '../../src/activities/temporary-payments.js';
import { insertCustomer } from '../../src/db/customers.js';
import type { EventRow } from '../../src/db/events.js';
import { newId } from '../../src/db/ids.js';
import { paymentEventPayload } from '../../src/db/late-success.js';
import type { NewNotification } from '../../src/db/notifications.js';
import { insertPeriodLink } from '../../src/db/payment-links.js';
import { completePendingPayment, insertCreatedPayment, type PaymentRow } from '../../src/db/payments.js';
import { createPool } from '../../src/db/pool.js';
import { refundEventPayload, type RefundRow } from '../../src/db/refunds.js';
import { insertSubscription } from '../../src/db/subscriptions.js';
import { insertTemporaryPayment } from '../../src/db/temporary-payments.js';
import { rulesFor } from '../../src/notifications/all-rules.js';
import { renderEmail } from '../../src/notifications/render.js';
import type { RuleContext } from '../../src/notifications/rules.js';
import { CUSTOMER_NOTIFICATION_TYPES, NOTIFICATION_LOCALES, type NotificationLocale } from '../../src/notifications/types.js';
import { testEnv } from '../support/env.js';

/**
 * The e-mail rules against real rows: each event, with the payload its write site builds (the
 * same payload functions), becomes the notification a customer or an admin should get — or none —
 * and every one renders in every locale with no hole and nothing unescaped.
 */
describe('e-mail rules', () => {
  let pool: pg.Pool;
  before(() => {
    pool = createPool(testEnv.databaseUrl(), 3);
  });
  after(async () => {
    await pool.end();
  });

  const ctx = (over: Partial<RuleContext['config']> = {}): RuleContext => ({
    tx: pool,
    config: {
      ADMIN_EMAILS: ['ops@example.com', 'boss@example.com'], ADMIN_LOCALE: 'en', CUSTOMER_EMAILS: [...CUSTOMER_NOTIFICATION_TYPES],
      publicBaseUrl: 'https://pay.example.com', EMAIL_TIME_ZONE: 'Europe/Warsaw', DAILY_SUMMARY_TIME_ZONE: 'UTC', ...over,
    },
  });

  async function customer(opts: { email: string | null; locale?: NotificationLocale; name?: string }): Promise<string> {
    const id = newId('cus');
    await insertCustomer(pool, { id, externalRef: `ext-${randomUUID()}`, name: opts.name ?? 'Anna Nowak', email: opts.email });
    await pool.query('UPDATE customers SET locale = $2 WHERE id = $1', [id, opts.locale ?? 'en']);
    return id;
  }

  async function succeededPayment(customerId: string, o: { description?: string; linkEmail?: string; amountMinor?: bigint } = {}): Promise<PaymentRow> {
    const id = newId('pay');
    let paymentLinkId: string | undefined;
    if (o.linkEmail) {
      paymentLinkId = newId('plk');
      await pool.query(
        `INSERT INTO payment_links (id, token, customer_id, kind, amount_minor, currency, customer_email, expires_at)
         VALUES ($1, $2, $3, 'invoice', 1815, 'PLN', $4, now() + interval '1 day')`,
        [paymentLinkId, randomUUID(), customerId, o.linkEmail],
      );
    }
    await insertCreatedPayment(pool, {
      id, customerId, amountMinor: o.amountMinor ?? 1815n, currency: 'PLN', gateway: 'sandbox', mode: 'test', description: o.description ?? 'Internet, December',
      reference: `VS${randomUUID().slice(0, 8)}`, expiresAt: new Date(Date.now() + 3_600_000), adapter: 'sandbox', settlement: 'immediate',
      paymentExpirationMs: null, lateSuccess: 'refund', paymentLinkId,
    });
    const done = await completePendingPayment(pool, id, { status: 'succeeded', gatewayTransactionId: `t-${id}`, code: '00' });
    assert.ok(done);
    return done;
  }

  async function subscription(customerId: string) {
    return insertSubscription(pool, {
      id: newId('sub'), customerId, gateway: 'sandbox', mode: 'test', paymentMethod: { token: 'tok_secret_never_mailed', expires: '2027-03' },
      amountMinor: 4999n, currency: 'PLN', schedule: { kind: 'monthly', day: 1 }, timeZone: 'Europe/Warsaw', firstChargeAt: new Date(),
      endsAt: null, minAmountMinor: null, maxAmountMinor: null, retrySchedule: ['P1D'], nextChargeAt: new Date('2027-02-01T09:00:00Z'), period: 3, firstPaymentId: null,
    });
  }

  /** A charge attempt of period 3, answered now: before the events a test writes after it, after those it wrote before. */
  async function attempt(subscriptionId: string, n: number, outcome: string, amount = 4999): Promise<void> {
    await pool.query(
      `INSERT INTO charge_attempts (subscription_id, period, attempt, idempotency_key, amount_minor, currency, mode, status, outcome, completed_at)
       VALUES ($1, 3, $2, $3, $4, 'PLN', 'test', $5, $6, clock_timestamp())`,
      [subscriptionId, n, `${subscriptionId}:3:${n}`, amount, outcome === 'success' ? 'succeeded' : 'failed', outcome],
    );
  }

  /** An event row as the fan-out reads it; written directly, as the rules only read it (the catalog's own tests hold the shapes). */
  async function event(e: { type: string; aggregateType: string; aggregateId: string; payload: object }): Promise<EventRow> {
    const res = await pool.query<EventRow>(
      `INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4::jsonb)
       RETURNING id, type, aggregate_type, aggregate_id, payload, created_at, aggregate_version`,
      [e.type, e.aggregateType, e.aggregateId, JSON.stringify(e.payload)],
    );
    const row = res.rows[0];
    assert.ok(row);
    return row;
  }

  async function run(e: EventRow, c = ctx()): Promise<NewNotification[]> {
    const out: NewNotification[] = [];
    for (const rule of rulesFor(e.type)) out.push(...(await rule(e, c)));
    return out;
  }

  /** Renders the notification in its locale and in the others (a deployment may change ADMIN_LOCALE; a customer theirs). */
  async function rendersEverywhere(n: NewNotification): Promise<void> {
    for (const locale of NOTIFICATION_LOCALES) {
      const mail = await renderEmail(n.type, locale, n.data);
      for (const part of [mail.subject, mail.text, mail.html]) assert.doesNotMatch(part, /\{\{|\}\}/, `${n.type}/${locale} left a placeholder`);
      assert.ok(mail.subject.length > 0 && !mail.subject.includes('\n'));
      assert.doesNotMatch(JSON.stringify(n.data), /tok_secret|whsec_/, 'no token or secret in the data');
    }
  }

  it('payment.succeeded: a receipt in the customer’s language, the hostile description escaped in HTML', async () => {
    const cus = await customer({ email: 'anna@example.com', locale: 'pl' });
    const p = await succeededPayment(cus, { description: '<script>alert(1)</script> & "co"', amountMinor: 123456n });
    const e = await event({ type: 'payment.succeeded', aggregateType: 'payment', aggregateId: p.id, payload: paymentEventPayload(p) });
    const [n, ...rest] = await run(e);
    assert.equal(rest.length, 0);
    assert.ok(n && n.audience === 'customer');
    assert.deepEqual([n.type, n.customerId, n.recipients, n.locale, n.dedupeKey, n.eventId], ['payment_received', cus, ['anna@example.com'], 'pl', `payment_received:${e.id}`, e.id]);
    assert.equal(n.data.amount, '1234,56\u00a0PLN');
    assert.equal(n.data.reference, p.reference);
    assert.equal(n.data.gateway, 'sandbox');
    await rendersEverywhere(n);
    const mail = await renderEmail(n.type, 'pl', n.data);
    assert.match(mail.subject, new RegExp(`^Otrzymaliśmy płatność: 1234,56\u00a0PLN \\(${p.reference}\\)$`));
    assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;'));
    assert.ok(!mail.html.includes('<script>'));
    assert.ok(mail.text.includes('<script>alert(1)</script> & "co"'), 'the text part is plain text: as typed');
  });

  it('no address, or the type switched off: no e-mail; the payment link’s address serves a customer without one', async () => {
    const nobody = await customer({ email: null });
    const p1 = await succeededPayment(nobody);
    const e1 = await event({ type: 'payment.succeeded', aggregateType: 'payment', aggregateId: p1.id, payload: paymentEventPayload(p1) });
    assert.deepEqual(await run(e1), []);
    const p2 = await succeededPayment(nobody, { linkEmail: 'payer@example.com' });
    const e2 = await event({ type: 'payment.succeeded', aggregateType: 'payment', aggregateId: p2.id, payload: paymentEventPayload(p2) });
    assert.deepEqual((await run(e2)).map((n) => n.recipients), [['payer@example.com']]);
    assert.deepEqual(await run(e2, ctx({ CUSTOMER_EMAILS: ['refund_made'] })), [], 'payment_received is off');
  });

  it('subscription.past_due: a plain decline says when the next try is, with no invented link', async () => {
    const cus = await customer({ email: 'ivan@example.com', locale: 'ru' });
    const s = await subscription(cus);
    await attempt(s.id, 0, 'soft_decline', 5250);
    const e = await event({ type: 'subscription.past_due', aggregateType: 'subscription', aggregateId: s.id, payload: { subscription_id: s.id, period: 3, retry_at: '2027-01-02T10:00:00.000Z', gateway_code: '51' } });
    const [n] = await run(e);
    assert.ok(n);
    assert.equal(n.type, 'charge_failed');
    assert.equal(n.locale, 'ru');
    assert.equal(n.data.amount, '52,50\u00a0PLN', 'the amount the attempt asked for');
    assert.equal(n.data.next_step, 'Мы повторим попытку 2 января 2027 г., 11:00 (Europe/Warsaw). Пожалуйста, убедитесь, что на карте достаточно средств; если карта сменилась, свяжитесь с нами, чтобы обновить её данные.');
    assert.equal(n.data.action_html, '');
    await rendersEverywhere(n);
  });

  it('charge_failed waits for a decline: a technical error Tollgate retries mails nothing; the decline after it does, once', async () => {
    const cus = await customer({ email: 'tech@example.com', locale: 'pl' });
    const s = await subscription(cus);
    const failed = (n: number, outcome: string) => event({ type: 'subscription.charge_failed', aggregateType: 'subscription', aggregateId: s.id, payload: {
      subscription_id: s.id, period: 3, attempt: n, amount: 4999, currency: 'PLN', gateway_code: outcome === 'technical_error' ? 'tollgate_timeout' : '51', gateway_message: null, gateway_transaction_id: null, mode: 'test', outcome,
    } });
    // The first attempt times out at the gateway: past due, a retry in a minute, nothing for the customer to do.
    await attempt(s.id, 0, 'technical_error');
    assert.deepEqual(await run(await failed(0, 'technical_error')), [], 'no e-mail for a technical error');
    const pastDue = await event({ type: 'subscription.past_due', aggregateType: 'subscription', aggregateId: s.id, payload: { subscription_id: s.id, period: 3, retry_at: '2027-01-02T10:01:00.000Z', gateway_code: 'tollgate_timeout' } });
    assert.deepEqual(await run(pastDue), [], 'past due by a technical error: no e-mail');
    await attempt(s.id, 1, 'technical_error');
    assert.deepEqual(await run(await failed(1, 'technical_error')), []);
    // The retry reaches the bank, which declines: now the customer must act.
    await attempt(s.id, 2, 'soft_decline');
    assert.deepEqual(await run(pastDue), [], 'the past_due read later still names its own cause, not the decline after it');
    const declined = await failed(2, 'soft_decline');
    const [n, ...rest] = await run(declined);
    assert.equal(rest.length, 0);
    assert.ok(n);
    assert.deepEqual([n.type, n.dedupeKey, n.locale, n.data.amount], ['charge_failed', `charge_failed:${declined.id}`, 'pl', '49,99\u00a0PLN']);
    assert.equal(n.data.next_step, 'Twój bank odrzucił płatność. Upewnij się, że na karcie są wystarczające środki; jeśli karta się zmieniła, skontaktuj się z nami, aby ją zaktualizować.');
    await rendersEverywhere(n);
    // A second decline in the period: mailed already.
    await attempt(s.id, 3, 'soft_decline');
    assert.deepEqual(await run(await failed(3, 'soft_decline')), []);
  });

  it('charge_failed after a first decline comes from subscription.past_due alone (its attempt event mails nothing, nor does a hard decline: subscription_stopped says it)', async () => {
    const cus = await customer({ email: 'soft@example.com' });
    const s = await subscription(cus);
    const failed = (n: number, outcome: string) => event({ type: 'subscription.charge_failed', aggregateType: 'subscription', aggregateId: s.id, payload: {
      subscription_id: s.id, period: 3, attempt: n, amount: 4999, currency: 'PLN', gateway_code: '51', gateway_message: null, gateway_transaction_id: null, mode: 'test', outcome,
    } });
    await attempt(s.id, 0, 'soft_decline');
    assert.deepEqual(await run(await failed(0, 'soft_decline')), []);
    const pastDue = await event({ type: 'subscription.past_due', aggregateType: 'subscription', aggregateId: s.id, payload: { subscription_id: s.id, period: 3, retry_at: '2027-01-02T10:00:00.000Z', gateway_code: '51' } });
    assert.deepEqual((await run(pastDue)).map((n) => n.type), ['charge_failed']);
    const other = await subscription(cus);
    await attempt(other.id, 0, 'technical_error');
    await attempt(other.id, 1, 'hard_decline');
    assert.deepEqual(await run(await event({ type: 'subscription.charge_failed', aggregateType: 'subscription', aggregateId: other.id, payload: {
      subscription_id: other.id, period: 3, attempt: 1, amount: 4999, currency: 'PLN', gateway_code: '04', gateway_message: null, gateway_transaction_id: null, mode: 'test', outcome: 'hard_decline',
    } })), []);
  });

  it('subscription.past_due after an SCA request: the period’s own payment link', async () => {
    const cus = await customer({ email: 'eve@example.com' });
    const s = await subscription(cus);
    const link = await insertPeriodLink(pool, {
      id: newId('plk'), token: `tok${randomUUID()}`, customer_id: cus, kind: 'invoice', amount_minor: 4999n, currency: 'PLN', description: '', invoice_reference: null,
      customer_name: null, customer_email: null, expires_at: new Date('2030-01-08T12:00:00Z'), subscription_id: s.id, subscription_period: 3,
    });
    const e = await event({ type: 'subscription.past_due', aggregateType: 'subscription', aggregateId: s.id, payload: { subscription_id: s.id, period: 3, retry_at: null, gateway_code: 'authentication_required' } });
    const [n] = await run(e);
    assert.ok(n);
    assert.equal(n.data.action_text, `\n\nPay now: https://pay.example.com/pay/${link.token}`);
    assert.ok((await renderEmail(n.type, 'en', n.data)).text.includes(`\n\nPay now: https://pay.example.com/pay/${link.token}\n\nBest regards`));
    assert.match(String(n.data.action_html), new RegExp(`href="https://pay.example.com/pay/${link.token}"`));
    assert.match(String(n.data.next_step), /^Your bank asks you to confirm this payment yourself\. Please pay it on the page below by 8 January 2030, 13:00 \(Europe\/Warsaw\)/);
    const mail = await renderEmail(n.type, 'en', n.data);
    assert.ok(mail.html.includes(`<a href="https://pay.example.com/pay/${link.token}"`), 'the button is a link in HTML');
    await rendersEverywhere(n);
  });

  it('card.expiring and subscription.stopped: expiry and the reason in words, for every reason the workflow writes', async () => {
    const cus = await customer({ email: 'ola@example.com', locale: 'pl' });
    const s = await subscription(cus);
    const exp = await event({ type: 'card.expiring', aggregateType: 'subscription', aggregateId: s.id, payload: { subscription_id: s.id, expires: '2027-03', next_charge_at: '2027-02-01T09:00:00.000Z', customer_id: cus } });
    const [card] = await run(exp);
    assert.ok(card);
    assert.deepEqual([card.type, card.data.expires, card.data.next_charge_date, card.data.amount], ['card_expiring', '03/2027', '1 lutego 2027', '49,99\u00a0PLN']);
    await rendersEverywhere(card);
    const words = new Set<unknown>();
    for (const reason of ['user_request', 'admin_request', 'hard_decline', 'retries_exhausted', 'card_expired', 'ended', 'disputed']) {
      const e = await event({ type: 'subscription.stopped', aggregateType: 'subscription', aggregateId: s.id, payload: { subscription_id: s.id, by: 'system', reason, detail: 'x' } });
      const [n] = await run(e);
      assert.ok(n);
      assert.equal(n.type, 'subscription_stopped');
      assert.doesNotMatch(String(n.data.reason), /_/, `${reason} is said in words`);
      words.add(n.data.reason);
      await rendersEverywhere(n);
    }
    assert.equal(words.size, 7, 'every reason has words of its own');
  });

  it('refund.succeeded: one refund e-mail (payment.refunded makes none)', async () => {
    const cus = await customer({ email: 'refund@example.com' });
    const p = await succeededPayment(cus);
    const refund = { id: newId('rfd'), payment_id: p.id, charge_attempt_id: null, customer_id: cus, status: 'succeeded', amount_minor: 500n, currency: 'PLN', gateway: 'sandbox', mode: 'test',
      reason: 'r', requested_by: 'k', gateway_refund_id: 'x', gateway_code: null, late_success_id: null } as unknown as RefundRow;
    const e = await event({ type: 'refund.succeeded', aggregateType: 'refund', aggregateId: refund.id, payload: refundEventPayload(refund) });
    const [n, ...rest] = await run(e);
    assert.equal(rest.length, 0);
    assert.ok(n);
    assert.deepEqual([n.type, n.data.amount, n.data.reference], ['refund_made', '5.00\u00a0PLN', p.reference]);
    await rendersEverywhere(n);
    const refunded = await event({ type: 'payment.refunded', aggregateType: 'payment', aggregateId: p.id, payload: { payment_id: p.id, refund_id: refund.id, customer_id: cus } });
    assert.deepEqual(await run(refunded), []);
  });

  it('temporary_payment.created: service restored, with the confirm-by date from the row (or none)', async () => {
    const cus = await customer({ email: 'tmp@example.com', locale: 'ru' });
    const p = await succeededPayment(cus);
    const { row } = await insertTemporaryPayment(pool, { id: newId('tmp'), paymentId: p.id, customerId: cus, amountMinor: 1815n, currency: 'PLN', reference: p.reference, expirationMs: 432_000_000, expiresAt: new Date('2027-01-06T10:00:00Z') });
    const e = await event({ type: 'temporary_payment.created', aggregateType: 'temporary_payment', aggregateId: row.id, payload: temporaryPaymentJsonPayload(row) });
    const [n] = await run(e);
    assert.ok(n);
    assert.deepEqual([n.type, n.data.amount, n.data.confirmation], ['temporary_payment_created', '18,15\u00a0PLN', 'До 6 января 2027 г. банк должен подтвердить платёж.']);
    await rendersEverywhere(n);
    const never = await event({ type: 'temporary_payment.created', aggregateType: 'temporary_payment', aggregateId: row.id, payload: { ...temporaryPaymentJsonPayload(row), expires_at: null } });
    assert.equal((await run(never))[0]?.data.confirmation, 'Платёж остаётся зачтённым, пока банк его не подтвердит.');
  });

  it('admin: an endpoint disabled, and a statement with unmatched lines — to the admin list, none without one', async () => {
    const disabled = await event({
      type: 'webhook_endpoint.disabled', aggregateType: 'webhook_endpoint', aggregateId: 'whe_1',
      payload: { endpoint_id: 'whe_1', url: 'https://billing.example.com/hook?<x>', reason: 'gone', failing_since: '2026-11-30T08:00:00.000Z', disabled_at: '2026-12-01T08:00:00.000Z' },
    });
    const [n] = await run(disabled, ctx({ ADMIN_LOCALE: 'pl' }));
    assert.ok(n && n.audience === 'admin');
    assert.deepEqual([n.type, n.recipients, n.locale, n.dedupeKey], ['webhook_endpoint_disabled', ['ops@example.com', 'boss@example.com'], 'pl', `webhook_endpoint_disabled:${disabled.id}`]);
    await rendersEverywhere(n);
    assert.ok((await renderEmail(n.type, 'pl', n.data)).html.includes('https://billing.example.com/hook?&lt;x&gt;'));
    assert.deepEqual(await run(disabled, ctx({ ADMIN_EMAILS: [] })), []);

    const outcomes = { matched: 7, amount_mismatch: 1, no_reference: 2, not_found: 2, duplicate: 1, ignored: 3 };
    const imported = await event({ type: 'bank_statement.imported', aggregateType: 'bank_statement', aggregateId: 'bst_1', payload: { statement_id: 'bst_1', format: 'camt.053', file_name: 'wyciag.xml', lines: 16, outcomes } });
    for (const [locale, words] of [['en', '5 lines'], ['pl', '5 wierszy'], ['ru', '5 строк']] as const) {
      const [s] = await run(imported, ctx({ ADMIN_LOCALE: locale }));
      assert.ok(s);
      assert.deepEqual([s.type, s.data.unmatched, s.data.unmatched_lines, s.data.no_reference], ['statement_unmatched', 5, words, 2]);
      await rendersEverywhere(s);
    }
    const clean = await event({ type: 'bank_statement.imported', aggregateType: 'bank_statement', aggregateId: 'bst_2', payload: { statement_id: 'bst_2', format: 'mt940', file_name: null, lines: 3, outcomes: { ...outcomes, amount_mismatch: 0, no_reference: 0, not_found: 0 } } });
    assert.deepEqual(await run(clean), [], 'every line matched (or duplicate/ignored): nothing to decide');
  });
});
