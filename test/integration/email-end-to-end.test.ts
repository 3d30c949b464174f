import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createDailySummaryActivities } from '../../src/activities/daily-summary.js';
import { outboxSinks } from '../../src/outbox/sinks.js';
import { createPayment } from '../support/fixtures.js';
import { waitForMessages } from '../support/mailpit.js';
import { testEnv } from '../support/env.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * E-mail as a deployment gets it: the worker's own outbox (every sink a worker runs), the real
 * SMTP client, the run's Mailpit, read back through Mailpit's API. The receipt after a sandbox
 * payment, the admin alert after a forged callback, and the daily summary counting that payment.
 */
describe('e-mail end to end (API, worker, outbox, Mailpit)', () => {
  let stack: TestStack;
  const admin = `ops-${randomUUID()}@example.com`;
  before(async () => {
    stack = await startTestStack({ SMTP_URL: testEnv.smtpUrl(), ADMIN_EMAILS: admin, ADMIN_LOCALE: 'pl' }, { outbox: (config) => outboxSinks(config) });
  });
  after(async () => {
    await stack?.close();
  });

  it('a sandbox payment approved on its page is followed by a receipt in the customer’s language', async () => {
    const to = `payer-${randomUUID()}@example.com`;
    const customer = await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'Иван Петров', email: to, locale: 'ru' } });
    assert.equal(customer.status, 201, customer.text);
    const payment = await createPayment(stack, customer.json.id as string, { description: 'Интернет, ноябрь' });
    const approve = await stack.request('POST', `/sandbox/checkout/${payment.id}/approve`, { key: null });
    assert.equal(approve.status, 303, approve.text);
    const [mail, ...more] = await waitForMessages(to, 1);
    assert.ok(mail);
    assert.equal(more.length, 0);
    assert.equal(mail.Subject, `Платёж получен: 18,15\u00a0PLN (${payment.reference})`);
    for (const part of [mail.Text, mail.HTML]) {
      assert.ok(part.includes(payment.reference), 'the reference is in both parts');
      assert.ok(part.includes('Иван Петров'));
      assert.ok(part.includes('Интернет, ноябрь'));
      assert.ok(part.includes('sandbox'), 'the gateway');
    }
    // The log says sent once the activity has recorded it (Mailpit may have the message a moment before).
    const log = await waitFor('the e-mail log to say sent', async () => {
      const res = await stack.request('GET', `/v1/notifications?customer_id=${customer.json.id as string}&type=payment_received`);
      return res.json.data?.[0]?.status === 'sent' ? res : undefined;
    });
    assert.deepEqual(log.json.data.map((n: { status: string; locale: string }) => [n.status, n.locale]), [['sent', 'ru']]);
  });

  it('a forged callback reaches the admin list as an alert', async () => {
    // An hour of its own: the alert is once per gateway, reason and UTC hour.
    const hour = Date.UTC(2097, 0, 1 + Math.floor(Math.random() * 300), Math.floor(Math.random() * 24));
    const realNow = stack.deps.now;
    stack.deps.now = () => new Date(hour + 1_000);
    try {
      const res = await stack.request('POST', '/v1/callbacks/sandbox', {
        raw: JSON.stringify({ type: 'payment.succeeded', data: { payment_id: 'pay_forged', transaction_id: 't', code: '00' } }),
        key: null,
        headers: { 'content-type': 'application/json', 'webhook-id': `msg_${randomUUID()}`, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' },
      });
      assert.equal(res.status, 401, res.text);
      const mails = await waitForMessages(admin, 1);
      const alert = mails.find((m) => m.Subject.startsWith('Alert: odrzucone powiadomienie bramki sandbox'));
      assert.ok(alert, `an alert among ${mails.map((m) => m.Subject).join(' | ')}`);
      assert.match(alert.Text, /rejected_signature|podpis/);
      assert.ok(alert.HTML.length > 0);
    } finally {
      stack.deps.now = realNow;
    }
  });

  it('the daily summary counts the day’s payments and arrives at the admin list', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const activities = createDailySummaryActivities({ pool: stack.pool, email: { ADMIN_EMAILS: [admin], ADMIN_LOCALE: 'pl' } });
    const queued = await activities.queueDailySummary({ date: today, timeZone: 'UTC' });
    assert.equal(queued.queued, true, JSON.stringify(queued));
    const mails = await waitForMessages(admin, 2);
    const summary = mails.find((m) => m.Subject === `Podsumowanie dnia ${today.split('-').reverse().join('.')}` || m.Subject.startsWith('Podsumowanie dnia'));
    assert.ok(summary, `a summary among ${mails.map((m) => m.Subject).join(' | ')}`);
    // The receipt's payment above succeeded today through sandbox: its row is in the table, in both parts.
    for (const part of [summary.Text, summary.HTML]) {
      assert.match(part, /sandbox/);
      assert.match(part, /PLN/);
    }
  });
});
