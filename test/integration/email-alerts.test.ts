import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateCamt053 } from '../../bench/lib/generate-camt.js';
import { createActivities } from '../../src/activities/index.js';
import type { EventRow } from '../../src/db/events.js';
import { adminRules } from '../../src/notifications/admin-rules.js';
import { renderEmail } from '../../src/notifications/render.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { createCustomer } from '../support/fixtures.js';
import { gatewayEnv, sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The admin alerts that are not plain event rules: a forged gateway callback (ABillS's alert on
 * unauthorised senders) after its journal row, once per gateway, reason and hour; and the
 * bank_statement.imported event an import writes once, with its lines' outcomes.
 */
describe('admin alerts (real API, worker, Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ ADMIN_EMAILS: 'ops@example.com', ADMIN_LOCALE: 'ru', SMTP_URL: 'smtp://127.0.0.1:2525' });
  });
  after(async () => {
    await stack?.close();
  });

  const forged = (gateway = 'sandbox') => stack.request('POST', `/v1/callbacks/${gateway}`, {
    raw: JSON.stringify({ type: 'payment.succeeded', data: { payment_id: 'pay_forged', transaction_id: 't', code: '00' } }),
    key: null,
    headers: { 'content-type': 'application/json', 'webhook-id': `msg_${randomUUID()}`, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2VkIHNpZ25hdHVyZQ==' },
  });

  const alerts = async (key: string) => (await stack.pool.query('SELECT * FROM notifications WHERE dedupe_key = $1', [key])).rows;

  it('a forged callback is answered 401 as before and alerts the admin once an hour, after its journal row', async () => {
    // An hour of its own, far from any other test's: the key's bucket is the UTC hour of deps.now().
    const hour = Date.UTC(2099, 0, 1 + Math.floor(Math.random() * 300), Math.floor(Math.random() * 24));
    const realNow = stack.deps.now;
    stack.deps.now = () => new Date(hour + 60_000);
    try {
      const first = await forged();
      assert.equal(first.status, 401, first.text);
      const key = `callback_refused:sandbox:rejected_signature:${new Date(hour).toISOString().slice(0, 13)}`;
      const [row] = await waitFor('the alert', async () => ((await alerts(key)).length > 0 ? alerts(key) : undefined));
      assert.deepEqual([row.type, row.audience, row.recipients, row.locale, row.customer_id], ['callback_refused', 'admin', ['ops@example.com'], 'ru', null]);
      const journal = await stack.pool.query('SELECT id, outcome, source_ip FROM inbound_requests WHERE id = $1', [row.data.journal_id]);
      assert.equal(journal.rows[0]?.outcome, 'rejected_signature', 'the alert names the journal row of the first refusal');
      assert.equal(row.data.source_ip, journal.rows[0]?.source_ip);
      assert.equal(row.data.reason, 'Его подпись не прошла проверку.');
      assert.match(row.data.journal_url, /\/v1\/callbacks\?gateway=sandbox&outcome=rejected_signature$/);

      const flood = await Promise.all(Array.from({ length: 20 }, () => forged()));
      assert.ok(flood.every((r) => r.status === 401));
      const journaled = await stack.pool.query("SELECT count(*)::int AS n FROM inbound_requests WHERE id >= $1 AND source = 'sandbox' AND outcome = 'rejected_signature'", [row.data.journal_id]);
      assert.ok(journaled.rows[0].n >= 21, 'every refusal is still journaled');
      assert.equal((await alerts(key)).length, 1, 'one e-mail for the hour');

      stack.deps.now = () => new Date(hour + 3_600_000 + 60_000);
      assert.equal((await forged()).status, 401);
      const nextKey = `callback_refused:sandbox:rejected_signature:${new Date(hour + 3_600_000).toISOString().slice(0, 13)}`;
      await waitFor('the next hour’s alert', async () => ((await alerts(nextKey)).length === 1 ? true : undefined));

      const mail = await renderEmail('callback_refused', 'ru', row.data);
      assert.match(mail.subject, /^Тревога: отклонён callback шлюза sandbox \(rejected_signature\)$/);
    } finally {
      stack.deps.now = realNow;
    }
  });

  it('a sender outside the allowlist alerts with its address; without SMTP_URL nothing is queued', async () => {
    const walled = await startTestStack({
      TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([sandboxEntry({ callback_allowlist: ['10.0.0.0/8'] })]), ...gatewayEnv,
      ADMIN_EMAILS: 'ops@example.com', SMTP_URL: 'smtp://127.0.0.1:2525',
    }, { worker: false });
    try {
      const hour = Date.UTC(2098, 0, 1 + Math.floor(Math.random() * 300), Math.floor(Math.random() * 24));
      walled.deps.now = () => new Date(hour + 5_000);
      const send = (marker: string) => walled.request('POST', '/v1/callbacks/sandbox', { raw: '{}', key: null, headers: { 'content-type': 'application/json', 'x-request-id': marker } });
      const journalId = async (marker: string) => String((await walled.pool.query("SELECT id FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker])).rows[0]?.id);
      const [m1, m2] = [randomUUID(), randomUUID()];
      const key = `callback_refused:sandbox:rejected_source:${new Date(hour).toISOString().slice(0, 13)}`;
      const smtp = walled.deps.config.SMTP_URL;
      walled.deps.config.SMTP_URL = undefined;
      assert.equal((await send(m1)).status, 403);
      walled.deps.config.SMTP_URL = smtp;
      // Nothing was queued for the first one: the second is the hour's first alert, with its own journal row.
      assert.equal((await send(m2)).status, 403);
      const [row] = await waitFor('the alert', async () => {
        const rows = (await walled.pool.query('SELECT * FROM notifications WHERE dedupe_key = $1', [key])).rows;
        return rows.length > 0 ? rows : undefined;
      });
      assert.equal(row.data.outcome, 'rejected_source');
      assert.match(row.data.source_ip, /127\.0\.0\.1/);
      assert.equal(row.data.journal_id, await journalId(m2), 'the alert is the second refusal’s');
      assert.notEqual(await journalId(m1), 'undefined', 'the first refusal is journaled all the same');
    } finally {
      await walled.close();
    }
  });

  it('a callback to a gateway Tollgate does not have alerts nobody (a stranger cannot pick the key)', async () => {
    const name = `nosuch${randomUUID().slice(0, 8)}`;
    assert.equal((await forged(name)).status, 404);
    const rows = await stack.pool.query("SELECT 1 FROM notifications WHERE dedupe_key LIKE $1", [`callback_refused:${name}:%`]);
    assert.equal(rows.rowCount, 0);
  });

  it('an import writes bank_statement.imported once, with its lines’ outcomes, and the admin hears of the unmatched ones', async () => {
    const customer = await createCustomer(stack);
    const transfer = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 700, currency: 'PLN', gateway: 'bank_transfer' } });
    assert.equal(transfer.status, 201, transfer.text);
    const ref = transfer.json.reference as string;
    const line = (amountMinor: bigint, reference: string) => ({ amountMinor, currency: 'PLN', reference, bankReference: `MC-${randomUUID()}`, bookingDate: '2026-12-01' });
    const file = generateCamt053([line(700n, ref), line(900n, `NOPE${randomUUID().slice(0, 8)}`), line(100n, `NOPE${randomUUID().slice(0, 8)}`)]);
    const res = await stack.request('POST', '/v1/bank-statements', { raw: file, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, res.text);
    const statementId = res.json.id as string;
    await waitFor('the import to finish', async () => ((await stack.request('GET', `/v1/bank-statements/${statementId}`)).json.status === 'done' ? true : undefined));

    const events = async () => (await stack.pool.query<EventRow>("SELECT * FROM events WHERE type = 'bank_statement.imported' AND aggregate_id = $1", [statementId])).rows;
    const [event, ...more] = await events();
    assert.equal(more.length, 0);
    assert.ok(event);
    assert.equal(event.aggregate_type, 'bank_statement');
    // The two strangers' lines are not_found or no_reference, as the reference rules read them: the event says what the lines say.
    const byOutcome = await stack.pool.query<{ outcome: string; n: number }>('SELECT outcome, count(*)::int AS n FROM bank_lines WHERE statement_id = $1 GROUP BY outcome', [statementId]);
    const expected = { matched: 0, amount_mismatch: 0, no_reference: 0, not_found: 0, duplicate: 0, ignored: 0, ...Object.fromEntries(byOutcome.rows.map((r) => [r.outcome, r.n])) };
    assert.deepEqual(event.payload, { statement_id: statementId, format: 'camt.053', file_name: null, lines: 3, outcomes: expected });
    assert.equal(expected.matched, 1);
    assert.equal(expected.not_found + expected.no_reference, 2);

    // A retried completion (a lost reply) writes no second event.
    const activities = createActivities({
      pool: stack.pool, temporal: stack.deps.temporal, gateways: stack.deps.gateways, hookSecret: 'whsec_AA==', hookTimeoutMs: 1000, taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      outbound: { allow: parseOutboundAllowlist(''), maxResponseBytes: 65_536 }, publicBaseUrl: stack.config.publicBaseUrl, actionLinkTtlMs: 86_400_000,
    });
    await activities.completeStatement({ statementId });
    assert.equal((await events()).length, 1);

    const rule = adminRules['bank_statement.imported']?.[0];
    assert.ok(rule);
    const [n] = await rule(event, { tx: stack.pool, config: stack.config });
    assert.ok(n);
    assert.deepEqual([n.type, n.data.unmatched_lines, n.data.matched], ['statement_unmatched', '2 строки', 1]);
    const mail = await renderEmail(n.type, 'ru', n.data);
    assert.equal(mail.subject, 'Импорт выписки: 2 строки без сопоставления');
  });
});
