import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/api/create-app.js';
import { callbackDispatcher } from '../../src/api/deps.js';
import { DeliveryMarks } from '../../src/relay/delivery-marks.js';
import { journalCallback } from '../../src/db/callback-journal.js';
import { createTemporalClient } from '../../src/temporal/connection.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The callback endpoint's contract: journal first, then check; every refusal is a problem+json,
 * a journal row with the reason, and no change to the payment.
 */
describe('gateway callbacks', () => {
  let stack: TestStack;
  let secret: string;
  before(async () => {
    stack = await startTestStack({ MAX_BODY_BYTES: '4096' });
    secret = stack.deps.config.SANDBOX_WEBHOOK_SECRET;
  });
  after(async () => {
    await stack?.close();
  });

  function callbackBody(paymentId: string, type = 'payment.succeeded') {
    return JSON.stringify({ type, data: { payment_id: paymentId, transaction_id: `t-${randomUUID()}`, code: '00' } });
  }

  async function send(body: string, headers: Record<string, string>, gateway = 'sandbox') {
    const marker = randomUUID();
    const res = await stack.request('POST', `/v1/callbacks/${gateway}`, {
      raw: body,
      key: null,
      headers: { 'content-type': 'application/json', 'x-request-id': marker, ...headers },
    });
    const journal = await stack.pool.query("SELECT * FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker]);
    assert.equal(journal.rowCount, 1, 'exactly one journal row per request');
    return { res, row: journal.rows[0] };
  }

  const signed = (body: string, id = `msg_${randomUUID()}`) => webhookHeaders(secret, id, Math.floor(Date.now() / 1000), body);

  /** The answer does not wait for the signal: polls the journal row until it leaves 'accepted'. */
  const settledRow = (journalId: number) =>
    waitFor(`journal row ${journalId} to be delivered or late`, async () => {
      const r = await stack.pool.query('SELECT * FROM inbound_requests WHERE id = $1', [journalId]);
      return r.rows[0].outcome === 'accepted' ? undefined : r.rows[0];
    });

  async function assertUnchanged(paymentId: string) {
    const p = await stack.request('GET', `/v1/payments/${paymentId}`);
    assert.equal(p.json.status, 'pending');
    const events = await stack.request('GET', `/v1/events?aggregate_id=${paymentId}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created']);
  }

  function assertProblem(res: { status: number; headers: Headers; json: { status: number; code: string } }, status: number, code: string) {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.json.status, status);
    assert.equal(res.json.code, code);
  }

  it('refuses a bad signature (401), journals it, and changes nothing', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const body = callbackBody(payment.id);
    const forged = { ...signed(body), 'webhook-signature': signed(body.replace('00', '01'))['webhook-signature'] };
    const { res, row } = await send(body, forged);
    assertProblem(res, 401, 'bad_signature');
    assert.equal(row.outcome, 'rejected_signature');
    assert.equal(row.body, body, 'the raw body is journaled verbatim');
    assert.ok(row.source_ip);
    assert.ok(row.decided_at, 'journaled with its verdict in the same row');
    const missing = await send(body, {});
    assertProblem(missing.res, 401, 'bad_signature');
    assert.match(missing.row.outcome_detail, /missing_headers/);
    await assertUnchanged(payment.id);
  });

  it('refuses a signed callback for an unknown payment (404)', async () => {
    const body = callbackBody('pay_does_not_exist');
    const { res, row } = await send(body, signed(body));
    assertProblem(res, 404, 'unknown_payment');
    assert.equal(row.outcome, 'rejected_unknown_payment');
  });

  it('refuses malformed JSON (400) and a body of the wrong shape (400)', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const broken = `{"type":"payment.succeeded","data":{"payment_id":"${payment.id}"`;
    const m = await send(broken, signed(broken));
    assertProblem(m.res, 400, 'malformed_request');
    assert.equal(m.row.outcome, 'rejected_malformed');
    assert.equal(m.row.body, broken);
    const wrong = JSON.stringify({ type: 'payment.maybe', data: { payment_id: payment.id } });
    const w = await send(wrong, signed(wrong));
    assertProblem(w.res, 400, 'validation_failed');
    assert.equal(w.row.outcome, 'rejected_schema');
    await assertUnchanged(payment.id);
  });

  it('refuses an oversized body (413) but journals what arrived', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const huge = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: payment.id, transaction_id: 'x', message: 'y'.repeat(10_000) } });
    const { res, row } = await send(huge, signed(huge));
    assertProblem(res, 413, 'payload_too_large');
    assert.equal(row.outcome, 'rejected_too_large');
    assert.equal(row.body_truncated, true);
    assert.equal(row.body.length, 4096);
    await assertUnchanged(payment.id);
  });

  it('refuses an unknown gateway (404)', async () => {
    const body = callbackBody('pay_x');
    const { res, row } = await send(body, signed(body), 'nosuchpay');
    assertProblem(res, 404, 'unknown_gateway');
    assert.equal(row.outcome, 'rejected_unknown_gateway');
  });

  it('acts on a repeated callback once', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const body = callbackBody(payment.id);
    const headers = signed(body);
    const first = await send(body, headers);
    const second = await send(body, headers);
    assert.equal(first.res.status, 200);
    assert.equal(first.res.json.status, 'accepted', 'journaled and queued; the signal follows the answer');
    assert.equal(second.res.status, 200);
    assert.equal(second.res.json.status, 'duplicate');
    assert.equal(second.row.outcome, 'duplicate');
    await waitFor('payment.succeeded', async () => {
      const p = await stack.request('GET', `/v1/payments/${payment.id}`);
      return p.json.status === 'succeeded' ? true : undefined;
    });
    const events = await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.succeeded']);
  });

  it('acts once on copies of one message sent at the same moment: one delivered, the rest duplicates, none a 500', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const body = callbackBody(payment.id);
    const headers = signed(body);
    const copies = await Promise.all(Array.from({ length: 8 }, () => send(body, headers)));
    assert.deepEqual(copies.map((c) => c.res.status), Array(8).fill(200));
    const statuses = copies.map((c) => c.res.json.status as string).sort();
    assert.deepEqual(statuses, ['accepted', ...Array(7).fill('duplicate')]);
    const acceptedCopy = copies.find((c) => c.res.json.status === 'accepted');
    assert.equal((await settledRow(acceptedCopy?.res.json.journal_id)).outcome, 'delivered');
    const journal = await stack.pool.query("SELECT outcome, count(*)::int AS n FROM inbound_requests WHERE event_id = $1 GROUP BY outcome ORDER BY outcome", [headers['webhook-id']]);
    assert.deepEqual(journal.rows, [{ outcome: 'delivered', n: 1 }, { outcome: 'duplicate', n: 7 }]);
  });

  it('makes the second of two racing copies a duplicate: it waits on the first, then finds it (journalCallback)', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const body = callbackBody(payment.id);
    const copy = {
      channel: 'callback', source: 'sandbox', method: 'POST', path: '/v1/callbacks/sandbox', headers: {}, body, bodyTruncated: false, sourceIp: '127.0.0.1',
      eventId: `msg_${randomUUID()}`, lookup: { by: 'payment' as const, id: payment.id }, signedMode: 'test' as const,
      signal: { kind: 'payment' as const, outcome: { status: 'succeeded' as const, gatewayTransactionId: 't' } },
    };
    const first = await stack.pool.connect();
    try {
      await first.query('BEGIN');
      assert.equal((await journalCallback(first, copy)).outcome, 'accepted');
      // Sees no committed copy, so it inserts an acceptance too and waits on the first's unique key.
      const second = journalCallback(stack.pool, copy);
      // Commit only once the second INSERT is blocked on the first's key, so the race really happens.
      // (Found by its wait: the statement is longer than the text pg_stat_activity keeps.)
      await waitFor('the second copy to wait on the first', async () => {
        const blocked = await stack.pool.query(
          "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'transactionid' AND datname = current_database() AND pid <> pg_backend_pid()",
        );
        return blocked.rowCount ? true : undefined;
      });
      await first.query('COMMIT');
      assert.equal((await second).outcome, 'duplicate');
    } finally {
      first.release();
    }
  });

  it('journals a signed callback with a NUL in a field the signal keeps as a 400 refusal, changing nothing', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: payment.id, transaction_id: 't-1', code: '0\u00000' } });
    const { res, row } = await send(body, signed(body));
    assertProblem(res, 400, 'validation_failed');
    assert.equal(row.outcome, 'rejected_schema');
    assert.equal(row.body, body);
    await assertUnchanged(payment.id);
  });

  it('keeps a success that arrives after the payment ended as late, with a payment.late_success event and no change', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const declined = callbackBody(payment.id, 'payment.failed');
    await send(declined, signed(declined));
    await waitFor('the decline', async () => ((await stack.request('GET', `/v1/payments/${payment.id}`)).json.status === 'failed' ? true : undefined));
    const workflow = stack.deps.temporal.workflow.getHandle(`payment:${payment.id}`);
    await workflow.result();
    const late = callbackBody(payment.id);
    const { res } = await send(late, signed(late));
    assert.equal(res.json.status, 'accepted');
    const row = await settledRow(res.json.journal_id);
    assert.equal(row.outcome, 'late');
    assert.equal(row.attempts, 1);
    assert.equal((await stack.request('GET', `/v1/payments/${payment.id}`)).json.status, 'failed');
    const events = await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.failed', 'payment.late_success']);
  });

  it('calls a resent success for a payment that already succeeded delivered, not late (a lost delivered mark)', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const first = callbackBody(payment.id);
    await send(first, signed(first));
    await stack.deps.temporal.workflow.getHandle(`payment:${payment.id}`).result();
    const again = callbackBody(payment.id);
    const { res } = await send(again, signed(again));
    assert.equal(res.json.status, 'accepted');
    const row = await settledRow(res.json.journal_id);
    assert.equal(row.outcome, 'delivered');
    assert.equal(row.outcome_detail, 'the payment was already succeeded when this was resent');
    const events = await stack.request('GET', `/v1/events?aggregate_id=${payment.id}`);
    assert.deepEqual(events.json.data.map((e: { type: string }) => e.type), ['payment.created', 'payment.succeeded']);
  });

  it('keeps a callback that arrives while Temporal is unreachable, and the relay delivers it later', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    // An API process whose Temporal is down: same database, a Temporal address nothing listens on.
    const downTemporal = createTemporalClient({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_NAMESPACE: 'default' });
    const cutOffDeps = { ...stack.deps, temporal: downTemporal };
    const cutOffDispatch = callbackDispatcher(cutOffDeps, new DeliveryMarks(stack.pool, stack.deps.log));
    const cutOff = createApp({ ...cutOffDeps, callbackDispatch: cutOffDispatch });
    const body = callbackBody(payment.id);
    const res = await cutOff.request('/v1/callbacks/sandbox', { method: 'POST', body, headers: { 'content-type': 'application/json', ...signed(body) } });
    assert.equal(res.status, 200, 'the sender is answered once the journal row is committed');
    const receipt = (await res.json()) as { status: string; journal_id: number };
    assert.equal(receipt.status, 'accepted');
    // Its dispatcher's signal fails (recorded as an attempt) and leaves the row for the relay.
    assert.equal(await cutOffDispatch.drain(10_000), 0);
    await downTemporal.connection.close().catch(() => undefined);

    // The running stack's relay (Temporal reachable) picks the row up.
    const row = await waitFor('the relay to deliver', async () => {
      const r = await stack.pool.query('SELECT outcome, attempts, outcome_detail FROM inbound_requests WHERE id = $1', [receipt.journal_id]);
      return r.rows[0].outcome === 'delivered' ? r.rows[0] : undefined;
    });
    assert.equal(row.attempts, 2, 'one failed attempt by the request, one delivery by the relay');
    assert.ok(row.outcome_detail, 'the failed attempt left its reason');
    await waitFor('payment to succeed', async () => {
      const p = await stack.request('GET', `/v1/payments/${payment.id}`);
      return p.json.status === 'succeeded' ? true : undefined;
    });
  });
});
