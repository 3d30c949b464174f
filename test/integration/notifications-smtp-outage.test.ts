import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Mailpit, startMailpit } from '../../src/cli/stack/mailpit.js';
import { findNotification } from '../../src/db/notification-sends.js';
import { insertNotification, type NotificationRow } from '../../src/db/notifications.js';
import { notificationsSink } from '../../src/notifications/sink.js';
import { testEnv } from '../support/env.js';
import { createCustomer } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { messagesTo, waitForMessages } from '../support/mailpit.js';
import { TEST_TEMPLATE_DATA, TEST_TEMPLATE_SUBJECT, testTemplatesDir } from '../support/mail-templates.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

// SMTP servers of this file's own: one it stops and starts again on the same port (an outage
// delays an e-mail, never loses or doubles it), and one that refuses some recipients with a 5xx.

const address = (what: string) => `${what}-${randomUUID()}@example.test`;

async function queue(stack: TestStack, customerId: string, to: string[]): Promise<string> {
  const id = await insertNotification(stack.pool, {
    audience: 'customer', type: 'payment_received', customerId, dedupeKey: `test:${randomUUID()}`, recipients: to, locale: 'en',
    data: TEST_TEMPLATE_DATA,
  });
  assert.ok(id);
  return id;
}

const row = async (stack: TestStack, id: string) => {
  const r = await findNotification(stack.pool, id);
  assert.ok(r);
  return r;
};

const settled = (stack: TestStack, id: string, timeoutMs = 30_000): Promise<NotificationRow> =>
  waitFor(`notification ${id} sent or failed`, async () => {
    const r = await findNotification(stack.pool, id);
    return r && r.status !== 'queued' ? r : undefined;
  }, timeoutMs);

describe('an SMTP outage delays e-mail and loses none', () => {
  let dir: string;
  let ports: { ui: number; smtp: number };
  let mailpit: Mailpit | undefined;
  let stack: TestStack;
  const start = async () => {
    mailpit = await startMailpit({ binary: testEnv.mailpitBinary(), uiPort: ports.ui, smtpPort: ports.smtp, logFile: join(dir, 'mailpit.log') });
    return mailpit;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-smtp-outage-'));
    ports = { ui: await freePort(), smtp: await freePort() };
    await start();
    stack = await startTestStack({ SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`, EMAIL_TEMPLATES_DIR: testTemplatesDir() }, { outbox: (config) => [notificationsSink(config)] });
  });
  after(async () => {
    await stack?.close();
    await mailpit?.child.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('stopped, the server keeps the e-mail queued with the error; started again, it gets it exactly once', async () => {
    const customer = await createCustomer(stack);
    // First a send through the live server, so the pool holds a connection the stop then breaks.
    const warm = address('warm');
    await settled(stack, await queue(stack, customer.id, [warm]));
    await mailpit?.child.stop();

    const to = address('outage');
    const id = await queue(stack, customer.id, [to]);
    const waiting = await waitFor('a failed try recorded', async () => {
      const r = await row(stack, id);
      return r.attempts >= 1 && r.last_error ? r : undefined;
    });
    assert.equal(waiting.status, 'queued');
    assert.match(waiting.last_error ?? '', /ECONNECTION|ECONNREFUSED|ESOCKET|ETIMEDOUT/);
    const logged = await stack.request('GET', `/v1/notifications/${id}`);
    assert.equal(logged.json.status, 'queued');
    assert.equal(logged.json.last_error, waiting.last_error);

    const back = await start();
    const sent = await settled(stack, id, 60_000);
    assert.equal(sent.status, 'sent');
    assert.ok(sent.attempts >= 2, `tried ${sent.attempts} times`);
    assert.equal(sent.last_error, null);
    // The workflow has ended (its record ran after the send): what arrived is all that will.
    const mails = await waitForMessages(to, 1, { base: back.uiUrl });
    assert.equal(mails.length, 1);
    assert.equal((await messagesTo(to, back.uiUrl)).length, 1);
  });
});

describe('a recipient the server refuses', () => {
  let dir: string;
  let mailpit: Mailpit;
  let stack: TestStack;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-smtp-refuse-'));
    const [ui, smtp] = [await freePort(), await freePort()];
    mailpit = await startMailpit({ binary: testEnv.mailpitBinary(), uiPort: ui, smtpPort: smtp, logFile: join(dir, 'mailpit.log'), allowedRecipients: '^ok-' });
    stack = await startTestStack({ SMTP_URL: mailpit.smtpUrl, EMAIL_TEMPLATES_DIR: testTemplatesDir() }, { outbox: (config) => [notificationsSink(config)] });
  });
  after(async () => {
    await stack?.close();
    await mailpit?.child.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('refused for good (5xx) is failed after one try, with the answer', async () => {
    const customer = await createCustomer(stack);
    const id = await queue(stack, customer.id, [address('no')]);
    const r = await settled(stack, id);
    assert.equal(r.status, 'failed');
    assert.equal(r.attempts, 1);
    assert.match(r.last_error ?? '', /EENVELOPE 5\d\d/);
    assert.equal(r.subject, TEST_TEMPLATE_SUBJECT);
    assert.equal(r.sent_at, null);
  });

  test('one of two refused: sent to the other, and the log names the refused one', async () => {
    const customer = await createCustomer(stack);
    const [ok, no] = [address('ok'), address('no')];
    const id = await queue(stack, customer.id, [ok, no]);
    const r = await settled(stack, id);
    assert.equal(r.status, 'sent');
    assert.equal(r.last_error, `the server refused ${no}`);
    const [mail] = await waitForMessages(ok, 1, { base: mailpit.uiUrl });
    assert.deepEqual(mail?.To.map((t) => t.Address), [ok, no]);
  });
});
