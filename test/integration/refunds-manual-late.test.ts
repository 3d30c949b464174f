import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRefundActivities } from '../../src/activities/refunds.js';
import { inTransaction } from '../../src/db/pool.js';
import { createRefund, lockRefundTarget } from '../../src/db/refunds.js';
import { startUnstartedRefunds } from '../../src/temporal/refund-starts.js';
import { recordVerdict, signedCallback } from '../../src/gateways/sandbox/hosted-checkout.js';
import { createCustomer } from '../support/fixtures.js';
import { gatewayEnv, sandboxEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

const IBAN = 'PL61109010140000071219812874';

/**
 * Refunds a person pays back (bank transfers: requires_manual, then confirmed), and late
 * successes handled by their gateway's policy: `refund` refunds them through the sandbox, `keep`
 * keeps them for the billing system. Dev server, real worker, real Postgres, the sandbox's books.
 */
describe('manual refunds and late successes (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    const file = writeGatewaysFile([
      sandboxEntry(),
      sandboxEntry({ name: 'sandbox_keep', late_success: 'keep', recurring: undefined }),
      sandboxEntry({ name: 'sandbox_deferred', settlement: 'deferred', recurring: undefined }),
      { name: 'bank_transfer', adapter: 'bank_transfer', mode: 'test', payment_ttl: 'P14D', account: { iban: IBAN, holder: 'Tollgate Demo ISP' } },
    ]);
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: file, ...gatewayEnv }, { refundSweep: true });
  });
  after(async () => {
    await stack?.close();
  });

  const eventsOf = async (id: string) => (await stack.request('GET', `/v1/events?after=0&aggregate_id=${id}`)).json.data as Array<{ type: string; payload: Record<string, unknown> }>;
  const payment = async (id: string) => (await stack.request('GET', `/v1/payments/${id}`)).json;

  async function statementPaying(reference: string, amount: string) {
    const tag = randomUUID().slice(0, 8);
    const body = [
      `:20:STMT-${tag}`, `:25:${IBAN}`, ':28C:1/1', ':60F:C261127PLN0,00',
      `:61:2611271127C${amount}NTRFNONREF//BANK-${tag}`, `:86:020~20Internet ${reference}~32JAN KOWALSKI~38PL27114020040000300201355387`,
      `:62F:C261127PLN${amount}`, '-',
    ].join('\n');
    const res = await stack.request('POST', '/v1/bank-statements', { raw: body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, res.text);
    return waitFor('the import to finish', async () => {
      const s = await stack.request('GET', `/v1/bank-statements/${res.json.id}`);
      return s.json.status === 'done' ? s.json : undefined;
    });
  }

  it('makes a bank-transfer refund requires_manual with whom to pay back, and a person confirms it (admin only)', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 4900, currency: 'PLN', gateway: 'bank_transfer' } });
    assert.equal(p.status, 201, p.text);
    const statement = await statementPaying(p.json.reference, '49,00');
    assert.equal(statement.lines[0].outcome, 'matched', JSON.stringify(statement.lines[0]));
    await waitFor('the payment to succeed', async () => ((await payment(p.json.id)).status === 'succeeded' ? true : undefined));

    const res = await stack.request('POST', `/v1/payments/${p.json.id}/refunds`, { body: { amount: 1900, reason: 'overpaid' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.status, 'requires_manual');
    // Name and account as the statement line gives them (~32 and ~38 of the Polish :86:).
    assert.deepEqual(res.json.manual_instructions.to, { name: 'JAN KOWALSKI', account: 'PL27114020040000300201355387' });
    assert.equal(res.json.manual_instructions.note, null);
    assert.deepEqual([res.json.manual_instructions.amount, res.json.manual_instructions.currency, res.json.manual_instructions.reference], [1900, 'PLN', p.json.reference]);
    assert.equal(res.json.manual_instructions.bank_line_id, statement.lines[0].id);
    assert.equal((await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [p.json.id])).rows[0].refunded_minor, 1900n, 'held while a person pays it');
    // Its workflow has nothing to send: it ends, and the refund stays for the person.
    await stack.deps.temporal.workflow.getHandle(`refund:${res.json.id}`).result();
    assert.equal((await stack.request('GET', `/v1/refunds/${res.json.id}`)).json.status, 'requires_manual');

    const billing = (await stack.request('POST', '/v1/api-keys', { body: { name: 'billing', scopes: ['billing'] } })).json.key as string;
    const refused = await stack.request('POST', `/v1/refunds/${res.json.id}/confirm`, { body: {}, key: billing });
    assert.equal(refused.status, 403);
    const confirmed = await stack.request('POST', `/v1/refunds/${res.json.id}/confirm`, { body: { note: 'sent by transfer 2026-12-01' } });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.deepEqual([confirmed.json.status, confirmed.json.gateway_message], ['succeeded', 'sent by transfer 2026-12-01']);
    assert.ok(confirmed.json.confirmed_by);
    const again = await stack.request('POST', `/v1/refunds/${res.json.id}/confirm`, {});
    assert.deepEqual([again.status, again.json.completed_at], [200, confirmed.json.completed_at]);
    assert.deepEqual((await eventsOf(res.json.id)).map((e) => e.type), ['refund.created', 'refund.succeeded']);
    const refunded = (await eventsOf(p.json.id)).filter((e) => e.type === 'payment.refunded');
    assert.deepEqual(refunded.map((e) => [e.payload.refunded_amount, e.payload.full]), [[1900, false]]);
  });

  it('makes the refund of a deferred payment requires_manual once the bank statement settled its temporary payment', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 3300, currency: 'PLN', gateway: 'sandbox_deferred' } });
    assert.equal(p.status, 201, p.text);
    await stack.request('POST', `/sandbox/checkout/${p.json.id}/approve`, { key: null });
    const t = await waitFor('the temporary payment', async () => {
      const list = await stack.request('GET', `/v1/temporary-payments?customer_id=${customer.id}`);
      return list.json.data.find((x: { payment_id: string }) => x.payment_id === p.json.id) as { id: string; reference: string } | undefined;
    });
    const statement = await statementPaying(t.reference, '33,00');
    assert.equal(statement.lines[0].outcome, 'matched', JSON.stringify(statement.lines[0]));
    await waitFor('the temporary payment settled by the bank', async () => {
      const tp = (await stack.request('GET', `/v1/temporary-payments/${t.id}`)).json;
      return tp.status === 'settled' && tp.settled_reason === 'bank' ? tp : undefined;
    });
    const res = await stack.request('POST', `/v1/payments/${p.json.id}/refunds`, { body: { reason: 'moved out' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual([res.json.status, res.json.amount, res.json.manual_instructions.to.name, res.json.manual_instructions.bank_line_id], ['requires_manual', 3300, 'JAN KOWALSKI', statement.lines[0].id]);
    // Nothing went to the card processor: a person pays it back.
    assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM sandbox_refunds WHERE idempotency_key = $1', [`refund:${res.json.id}`])).rows[0].n, 0);
  });

  /** A sandbox payment that expired unpaid, then captured by the pretend processor, which reports it late. */
  async function lateSuccess(gateway: string, amount: number) {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount, currency: 'PLN', gateway, expires_in: 'PT10S' } });
    assert.equal(p.status, 201, p.text);
    await stack.deps.temporal.workflow.getHandle(`payment:${p.json.id}`).result();
    assert.equal((await payment(p.json.id)).status, 'expired');
    const booked = await recordVerdict(stack.pool, p.json.id, 'approve');
    const { body, headers } = signedCallback(TEST_SECRET, booked, Math.floor(Date.now() / 1000));
    const cb = await stack.request('POST', `/v1/callbacks/${gateway}`, { raw: body, key: null, headers });
    assert.deepEqual([cb.status, cb.json.status], [200, 'accepted'], cb.text);
    const late = await waitFor('the late success row', async () => {
      const r = await stack.pool.query('SELECT * FROM late_successes WHERE payment_id = $1', [p.json.id]);
      return r.rows[0];
    });
    return { paymentId: p.json.id as string, customerId: customer.id, transactionId: booked.transaction_id, late };
  }

  it('refunds a success that arrives after the payment expired, automatically and through the sandbox, leaving the payment expired', async () => {
    const { paymentId, transactionId, late } = await lateSuccess('sandbox', 2600);
    assert.equal(late.action, 'refunded');
    const refund = await waitFor('the system refund to succeed', async () => {
      const r = await stack.request('GET', `/v1/refunds/${late.refund_id}`);
      return r.json.status === 'succeeded' ? r.json : undefined;
    }, 30_000);
    assert.deepEqual([refund.payment_id, refund.amount, refund.requested_by, refund.late_success_id], [paymentId, 2600, 'system', late.id]);
    const books = await stack.pool.query('SELECT idempotency_key, amount_minor, outcome FROM sandbox_refunds WHERE transaction_id = $1', [transactionId]);
    assert.deepEqual(books.rows.map((b) => [b.idempotency_key, b.amount_minor, b.outcome]), [[`refund:${refund.id}`, 2600n, 'succeeded']]);
    const after = await payment(paymentId);
    assert.deepEqual([after.status, after.refunded_amount], ['expired', 2600]);
    const types = (await eventsOf(paymentId)).map((e) => e.type);
    assert.deepEqual(types, ['payment.created', 'payment.expired', 'payment.late_success'], 'no payment.refunded: the payment never counted as paid');
    const lateEvent = (await eventsOf(paymentId)).find((e) => e.type === 'payment.late_success');
    assert.deepEqual([lateEvent?.payload.action, lateEvent?.payload.late_amount, lateEvent?.payload.refund_id], ['refunded', 2600, refund.id]);
    assert.deepEqual((await eventsOf(refund.id)).map((e) => e.type), ['refund.created', 'refund.succeeded']);
    const listed = await stack.request('GET', `/v1/late-successes?action=refunded&gateway=sandbox&limit=500`);
    const mine = listed.json.data.find((l: { payment_id: string }) => l.payment_id === paymentId);
    assert.deepEqual([mine?.refund_id, mine?.refund_status, mine?.payment_status], [refund.id, 'succeeded', 'expired']);
    // An expired payment is never refundable by a caller, late money or not.
    const byHand = await stack.request('POST', `/v1/payments/${paymentId}/refunds`, { body: { reason: 'x' }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(byHand.status, 409);
  });

  it('keeps a late success on a keep gateway for the billing system to credit, listed with its amount', async () => {
    const gateways = (await stack.request('GET', '/v1/gateways')).json.data.map((g: { name: string; late_success: string }) => [g.name, g.late_success]);
    assert.deepEqual(gateways, [['sandbox', 'refund'], ['sandbox_keep', 'keep'], ['sandbox_deferred', 'refund'], ['bank_transfer', 'keep']]);
    const { paymentId, customerId, late } = await lateSuccess('sandbox_keep', 3100);
    assert.deepEqual([late.action, late.refund_id, late.amount_minor], ['kept', null, 3100n]);
    assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM refunds WHERE payment_id = $1', [paymentId])).rows[0].n, 0);
    const listed = await stack.request('GET', `/v1/late-successes?action=kept&customer_id=${customerId}`);
    assert.deepEqual(listed.json.data.map((l: { payment_id: string; amount: number; refund_status: null }) => [l.payment_id, l.amount, l.refund_status]), [[paymentId, 3100, null]]);
    const lateEvent = (await eventsOf(paymentId)).find((e) => e.type === 'payment.late_success');
    assert.deepEqual([lateEvent?.payload.action, lateEvent?.payload.late_amount], ['kept', 3100]);
    assert.equal((await payment(paymentId)).status, 'expired');
  });

  it("starts the late success's refund at once from the payment workflow's activity (its expiry race), without waiting for the sweep", async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 1700, currency: 'PLN', gateway: 'sandbox', expires_in: 'PT10S' } });
    await stack.deps.temporal.workflow.getHandle(`payment:${p.json.id}`).result();
    const booked = await recordVerdict(stack.pool, p.json.id, 'approve');
    // The activity the payment workflow calls when a success raced its expiry.
    const activities = createRefundActivities({ pool: stack.pool, gateways: stack.deps.gateways, temporal: stack.deps.temporal, taskQueue: stack.config.TEMPORAL_TASK_QUEUE });
    const outcome = { status: 'succeeded' as const, gatewayTransactionId: booked.transaction_id, code: '00', ids: { intentId: 'pi_late', chargeId: 'ch_late' } };
    await activities.noteLateSuccess({ paymentId: p.json.id, outcome });
    await activities.noteLateSuccess({ paymentId: p.json.id, outcome }); // a retried activity: one late success, one refund
    const rows = await stack.pool.query('SELECT r.id, r.workflow_started_at FROM refunds r JOIN late_successes l ON l.refund_id = r.id WHERE l.payment_id = $1', [p.json.id]);
    assert.equal(rows.rowCount, 1);
    assert.ok(rows.rows[0].workflow_started_at, 'started by the activity itself (the sweep waits 5 s before it looks)');
    const refund = await stack.deps.temporal.workflow.getHandle(`refund:${rows.rows[0].id}`).result();
    assert.equal(refund.status, 'succeeded');
    const books = await stack.pool.query('SELECT amount_minor, outcome FROM sandbox_refunds WHERE transaction_id = $1', [booked.transaction_id]);
    assert.deepEqual(books.rows.map((b) => [b.amount_minor, b.outcome]), [[1700n, 'succeeded']]);
    assert.equal((await eventsOf(p.json.id)).filter((e) => e.type === 'payment.late_success').length, 1);
    // The late charge's own ids are kept on the payment, for the gateway's refund of it.
    const ids = await stack.pool.query('SELECT status, gateway_intent_id, gateway_charge_id FROM payments WHERE id = $1', [p.json.id]);
    assert.deepEqual(ids.rows[0], { status: 'expired', gateway_intent_id: 'pi_late', gateway_charge_id: 'ch_late' });
  });

  it('keeps, not refunds, a late success whose money a dispute holds (a refund beside it would pay the payer twice)', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 1900, currency: 'PLN', gateway: 'sandbox', expires_in: 'PT10S' } });
    await stack.deps.temporal.workflow.getHandle(`payment:${p.json.id}`).result();
    const booked = await recordVerdict(stack.pool, p.json.id, 'approve');
    const disputeId = `dsp_${randomUUID()}`;
    await stack.pool.query(
      "INSERT INTO disputes (id, gateway, gateway_dispute_id, payment_id, customer_id, amount_minor, currency, status) VALUES ($1, 'sandbox', $2, $3, $4, 1900, 'PLN', 'open')",
      [disputeId, `dp_${disputeId}`, p.json.id, customer.id],
    );
    const activities = createRefundActivities({ pool: stack.pool, gateways: stack.deps.gateways, temporal: stack.deps.temporal, taskQueue: stack.config.TEMPORAL_TASK_QUEUE });
    await activities.noteLateSuccess({ paymentId: p.json.id, outcome: { status: 'succeeded' as const, gatewayTransactionId: booked.transaction_id, code: '00' } });
    const late = await stack.pool.query('SELECT action, refund_id FROM late_successes WHERE payment_id = $1', [p.json.id]);
    assert.deepEqual(late.rows, [{ action: 'kept', refund_id: null }]);
    assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM refunds WHERE payment_id = $1', [p.json.id])).rows[0].n, 0);
    assert.equal((await stack.pool.query('SELECT refunded_minor FROM payments WHERE id = $1', [p.json.id])).rows[0].refunded_minor, 0n);
    assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM sandbox_refunds WHERE transaction_id = $1', [booked.transaction_id])).rows[0].n, 0);
    const lateEvent = (await eventsOf(p.json.id)).find((e) => e.type === 'payment.late_success');
    assert.deepEqual([lateEvent?.payload.action, lateEvent?.payload.dispute_id], ['kept', disputeId]);
  });

  it('starts, by the sweep, a refund whose creator committed it but died before starting its workflow', async () => {
    const customer = await createCustomer(stack);
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 2200, currency: 'PLN', gateway: 'sandbox' } });
    await stack.request('POST', `/sandbox/checkout/${p.json.id}/approve`, { key: null });
    await waitFor('the payment to succeed', async () => ((await payment(p.json.id)).status === 'succeeded' ? true : undefined));
    // What the late-success path leaves when its process dies between its commit and the start.
    const orphan = await inTransaction(stack.pool, async (tx) => {
      const target = await lockRefundTarget(tx, { paymentId: p.json.id });
      assert.ok(target);
      return createRefund(tx, target, { amountMinor: 700n, reason: 'orphaned', requestedBy: 'test', allowPartial: true, workflowStarted: false });
    });
    const deps = { pool: stack.pool, temporal: stack.deps.temporal, taskQueue: stack.config.TEMPORAL_TASK_QUEUE };
    const result = await waitFor('the sweep to start it', async () => {
      const r = await stack.pool.query('SELECT workflow_started_at FROM refunds WHERE id = $1', [orphan.id]);
      return r.rows[0].workflow_started_at ? r.rows[0] : undefined;
    }, 30_000);
    assert.ok(result.workflow_started_at);
    const handle = stack.deps.temporal.workflow.getHandle(`refund:${orphan.id}`);
    assert.equal((await handle.result()).status, 'succeeded');
    // A sweep whose mark was lost starts it again: the completed run answers "already started", no second run.
    const firstRun = (await handle.describe()).runId;
    await stack.pool.query('UPDATE refunds SET workflow_started_at = NULL WHERE id = $1', [orphan.id]);
    await startUnstartedRefunds(deps, 0);
    assert.equal((await handle.describe()).runId, firstRun);
    assert.ok((await stack.pool.query('SELECT workflow_started_at FROM refunds WHERE id = $1', [orphan.id])).rows[0].workflow_started_at);
    const books = await stack.pool.query('SELECT count(*)::int AS n FROM sandbox_refunds WHERE idempotency_key = $1', [`refund:${orphan.id}`]);
    assert.equal(books.rows[0].n, 1);
  });
});
