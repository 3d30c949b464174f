import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/pool.js';
import { findNotification } from '../../src/db/notification-sends.js';
import { insertNotification, type NotificationRow } from '../../src/db/notifications.js';
import { inTransaction } from '../../src/db/pool.js';
import { notificationsSink } from '../../src/notifications/sink.js';
import type { NotificationRule } from '../../src/notifications/rules.js';
import { createCustomer } from '../support/fixtures.js';
import { messagesTo, waitForMessages } from '../support/mailpit.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { testEnv } from '../support/env.js';

// The e-mail path over the real stack: a notification row, the outbox starting notification:<id>,
// the worker rendering and sending through the run's Mailpit, the log API reading the outcome.

/** Templates of this file's own (EMAIL_TEMPLATES_DIR), so the built-in set can change freely. */
function templatesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-mail-templates-'));
  const write = (locale: string, subject: string, text: string, html: string) => {
    mkdirSync(join(dir, 'payment_received'), { recursive: true });
    writeFileSync(join(dir, 'payment_received', `${locale}.subject`), subject);
    writeFileSync(join(dir, 'payment_received', `${locale}.txt`), text);
    writeFileSync(join(dir, 'payment_received', `${locale}.html`), html);
  };
  write('en', 'Payment of {{amount}} received\n', 'Hello {{name}}, we received {{amount}}.\n', '<p>Hello <b>{{name}}</b>, we received {{amount}}.</p>\n');
  write('pl', 'Otrzymaliśmy płatność {{amount}}\n', 'Dzień dobry {{name}}, otrzymaliśmy {{amount}}.\n', '<p>Dzień dobry <b>{{name}}</b>, otrzymaliśmy {{amount}}.</p>\n');
  // A template with a hole: the data never has {{missing}}.
  mkdirSync(join(dir, 'charge_failed'), { recursive: true });
  writeFileSync(join(dir, 'charge_failed', 'en.subject'), 'Charge failed {{missing}}\n');
  writeFileSync(join(dir, 'charge_failed', 'en.txt'), 'x\n');
  writeFileSync(join(dir, 'charge_failed', 'en.html'), '<p>x</p>\n');
  return dir;
}

const uniqueAddress = (what: string) => `${what}-${randomUUID()}@example.test`;

async function queue(stack: TestStack, customerId: string, o: { to: string[]; type?: 'payment_received' | 'charge_failed'; locale?: 'en' | 'pl'; data?: Record<string, unknown> }): Promise<string> {
  const id = await insertNotification(stack.pool, {
    audience: 'customer',
    type: o.type ?? 'payment_received',
    customerId,
    dedupeKey: `test:${randomUUID()}`,
    recipients: o.to,
    locale: o.locale ?? 'en',
    data: o.data ?? { name: 'Jan <Kowalski>', amount: '18.15 PLN' },
  });
  assert.ok(id);
  return id;
}

async function finished(stack: TestStack, id: string, timeoutMs = 30_000): Promise<NotificationRow> {
  return waitFor(`notification ${id} sent or failed`, async () => {
    const row = await findNotification(stack.pool, id);
    return row && row.status !== 'queued' ? row : undefined;
  }, timeoutMs);
}

const TEST_EVENT = `test.mail.${randomUUID()}`;

/** An event of a type only this file's rule knows: written directly, as the catalog admits only real types. */
async function testEvent(tx: Queryable, e: { type: string; aggregateId: string; payload: Record<string, unknown> }): Promise<bigint> {
  const res = await tx.query<{ id: string }>({
    text: `INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ($1, 'customer', $2, $3::jsonb) RETURNING id::text`,
    values: [e.type, e.aggregateId, JSON.stringify(e.payload)],
  });
  return BigInt(res.rows[0]?.id ?? '0');
}
/** A rule for this file's own event type, standing in for the content rules (which it does not test). */
const testRule: NotificationRule = async (event) => [{
  audience: 'customer',
  type: 'payment_received',
  customerId: String(event.payload.customer_id),
  eventId: event.id,
  dedupeKey: `${event.id}:payment_received`,
  recipients: [String(event.payload.email)],
  locale: 'en',
  data: { name: 'Ewa', amount: String(event.payload.amount) },
}];

describe('e-mail through Mailpit', () => {
  let stack: TestStack;
  let dir: string;

  before(async () => {
    dir = templatesDir();
    stack = await startTestStack(
      { SMTP_URL: testEnv.smtpUrl(), MAIL_FROM: 'Tollgate Test <billing@tollgate.test>', EMAIL_TEMPLATES_DIR: dir },
      { outbox: (config) => [notificationsSink(config, (type) => (type === TEST_EVENT ? [testRule] : []))] },
    );
  });
  after(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a queued notification arrives with a plain and an HTML part, and the log says sent', async () => {
    const customer = await createCustomer(stack);
    const to = uniqueAddress('jan');
    const id = await queue(stack, customer.id, { to: [to] });

    const [mail] = await waitForMessages(to, 1);
    assert.ok(mail);
    assert.equal(mail.Subject, 'Payment of 18.15 PLN received');
    assert.deepEqual(mail.To.map((t) => t.Address), [to]);
    assert.equal(mail.From.Address, 'billing@tollgate.test');
    assert.equal(mail.Text.trim(), 'Hello Jan <Kowalski>, we received 18.15 PLN.');
    // The HTML part escapes what the data brings.
    assert.match(mail.HTML, /<b>Jan &lt;Kowalski&gt;<\/b>/);
    assert.equal(mail.MessageID, `${id}@tollgate.test`);

    const row = await finished(stack, id);
    assert.equal(row.status, 'sent');
    const res = await stack.request('GET', `/v1/notifications/${id}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'sent');
    assert.equal(res.json.subject, 'Payment of 18.15 PLN received');
    assert.equal(res.json.attempts, 1);
    assert.equal(res.json.message_id, `<${id}@tollgate.test>`);
    assert.deepEqual(res.json.recipients, [to]);
    assert.equal(res.json.locale, 'en');
    assert.ok(res.json.sent_at);
    assert.equal(res.json.data, undefined, 'the template data is not in the log');
  });

  test("a customer's locale picks the template's language", async () => {
    const res = await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'Ewa', locale: 'pl' } });
    assert.equal(res.status, 201);
    const to = uniqueAddress('ewa');
    await queue(stack, res.json.id as string, { to: [to], locale: 'pl' });
    const [mail] = await waitForMessages(to, 1);
    assert.equal(mail?.Subject, 'Otrzymaliśmy płatność 18.15 PLN');
    assert.match(mail?.Text ?? '', /Dzień dobry/);
  });

  test('an event fanned out by a rule becomes an e-mail, once', async () => {
    const customer = await createCustomer(stack);
    const to = uniqueAddress('fanout');
    const eventId = await inTransaction(stack.pool, (tx) =>
      testEvent(tx, { type: TEST_EVENT, aggregateId: customer.id, payload: { customer_id: customer.id, email: to, amount: '5.00 PLN' } }),
    );
    const [mail] = await waitForMessages(to, 1);
    assert.equal(mail?.Subject, 'Payment of 5.00 PLN received');
    const list = await stack.request('GET', `/v1/notifications?customer_id=${customer.id}`);
    assert.equal(list.status, 200);
    assert.equal(list.json.data.length, 1);
    assert.equal(list.json.data[0].event_id, String(eventId));
    await finished(stack, list.json.data[0].id as string);
    assert.equal((await messagesTo(to)).length, 1);
  });

  test('without SMTP_URL nothing is queued, and a customer e-mail CUSTOMER_EMAILS leaves out is not either', async () => {
    const customer = await createCustomer(stack);
    const to = uniqueAddress('off');
    // A real event row (the notification references it) of a type the running outbox has no rule for.
    const eventId = await inTransaction(stack.pool, (tx) => testEvent(tx, { type: 'test.other', aggregateId: customer.id, payload: {} }));
    const event = { id: eventId, type: TEST_EVENT, aggregate_type: 'customer', aggregate_id: customer.id, payload: { customer_id: customer.id, email: to, amount: '1.00 PLN' }, created_at: new Date(), aggregate_version: 1 };
    const rules = () => [testRule];
    const queued = async () => (await stack.pool.query('SELECT 1 FROM notifications WHERE $1 = ANY(recipients)', [to])).rowCount;
    await inTransaction(stack.pool, (tx) => notificationsSink({ ...stack.config, SMTP_URL: undefined }, rules).fanOut(tx, [event]));
    assert.equal(await queued(), 0, 'no SMTP_URL');
    assert.equal(await notificationsSink({ ...stack.config, SMTP_URL: undefined }, rules).startPending({ pool: stack.pool, temporal: stack.deps.temporal, taskQueue: 'none', log: stack.deps.log }, 10), 0);
    await inTransaction(stack.pool, (tx) => notificationsSink({ ...stack.config, CUSTOMER_EMAILS: ['charge_failed'] }, rules).fanOut(tx, [event]));
    assert.equal(await queued(), 0, 'payment_received switched off');
    await inTransaction(stack.pool, (tx) => notificationsSink(stack.config, rules).fanOut(tx, [event]));
    assert.equal(await queued(), 1, 'the same sink with both on queues it');
  });

  test('a template with a hole is failed at once, never sent', async () => {
    const customer = await createCustomer(stack);
    const to = uniqueAddress('hole');
    const id = await queue(stack, customer.id, { to: [to], type: 'charge_failed' });
    const row = await finished(stack, id);
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /template: .*\{\{missing\}\}/);
    assert.equal((await messagesTo(to)).length, 0);
  });

  test('a recipient that smuggles in a second address is failed, and neither gets anything', async () => {
    const customer = await createCustomer(stack);
    const [a, b] = [uniqueAddress('a'), uniqueAddress('b')];
    const id = await queue(stack, customer.id, { to: [`${a}, ${b}`] });
    const row = await finished(stack, id);
    assert.equal(row.status, 'failed');
    assert.match(row.last_error ?? '', /not an e-mail address/);
    assert.equal((await messagesTo(a)).length + (await messagesTo(b)).length, 0);
  });

  test('customers have a locale: given on create, read back, changed by PATCH, default en, validated', async () => {
    const created = await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'Ewa', email: 'ewa@example.test', locale: 'pl' } });
    assert.equal(created.status, 201);
    assert.equal(created.json.locale, 'pl');
    const id = created.json.id as string;
    assert.equal((await stack.request('GET', `/v1/customers/${id}`)).json.locale, 'pl');

    const patched = await stack.request('PATCH', `/v1/customers/${id}`, { body: { locale: 'ru' } });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.json.locale, patched.json.name, patched.json.email], ['ru', 'Ewa', 'ewa@example.test'], 'only the locale changed');
    const cleared = await stack.request('PATCH', `/v1/customers/${id}`, { body: { email: null, name: 'Ewa N.' } });
    assert.deepEqual([cleared.json.locale, cleared.json.name, cleared.json.email], ['ru', 'Ewa N.', null]);

    assert.equal((await stack.request('GET', `/v1/customers/${(await createCustomer(stack)).id}`)).json.locale, 'en');
    assert.equal((await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'X', locale: 'de' } })).status, 400);
    assert.equal((await stack.request('PATCH', `/v1/customers/${id}`, { body: { locale: 'de' } })).status, 400);
    assert.equal((await stack.request('PATCH', `/v1/customers/${id}`, { body: {} })).status, 400);
    assert.equal((await stack.request('PATCH', `/v1/customers/${id}`, { body: { external_ref: 'x' } })).status, 400, 'external_ref is not changed here');
    assert.equal((await stack.request('PATCH', '/v1/customers/cus_nope', { body: { locale: 'en' } })).status, 404);
    assert.equal((await stack.request('PATCH', `/v1/customers/${id}`, { body: { locale: 'en' }, key: null })).status, 401);
    assert.equal((await stack.request('GET', `/v1/customers/${id}`)).json.locale, 'ru', 'refused changes changed nothing');
  });

  test('GET /v1/notifications filters by customer, type and status, and pages', async () => {
    const customer = await createCustomer(stack);
    const sent = [await queue(stack, customer.id, { to: [uniqueAddress('a')] }), await queue(stack, customer.id, { to: [uniqueAddress('b')] })];
    const failed = await queue(stack, customer.id, { to: [uniqueAddress('c')], type: 'charge_failed' });
    for (const id of [...sent, failed]) await finished(stack, id);

    const all = await stack.request('GET', `/v1/notifications?customer_id=${customer.id}`);
    assert.deepEqual(new Set(all.json.data.map((n: { id: string }) => n.id)), new Set([...sent, failed]));
    const byType = await stack.request('GET', `/v1/notifications?customer_id=${customer.id}&type=charge_failed`);
    assert.deepEqual(byType.json.data.map((n: { id: string }) => n.id), [failed]);
    const byStatus = await stack.request('GET', `/v1/notifications?customer_id=${customer.id}&status=sent`);
    assert.deepEqual(new Set(byStatus.json.data.map((n: { id: string }) => n.id)), new Set(sent));

    const page1 = await stack.request('GET', `/v1/notifications?customer_id=${customer.id}&limit=2`);
    assert.equal(page1.json.data.length, 2);
    assert.ok(page1.json.next_cursor);
    const page2 = await stack.request('GET', `/v1/notifications?customer_id=${customer.id}&limit=2&cursor=${encodeURIComponent(page1.json.next_cursor as string)}`);
    assert.equal(page2.json.data.length, 1);
    assert.equal(page2.json.next_cursor, null);

    assert.equal((await stack.request('GET', '/v1/notifications?type=nonsense')).status, 400);
    assert.equal((await stack.request('GET', '/v1/notifications', { key: null })).status, 401);
    assert.equal((await stack.request('GET', `/v1/notifications/ntf_nope`)).status, 404);
  });
});
