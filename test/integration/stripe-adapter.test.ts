import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { buildGateways } from '../../src/gateways/registry.js';
import { GatewayTimeoutError, isRecurringGateway, type RecurringGateway } from '../../src/gateways/types.js';
import { testEnv } from '../support/env.js';
import { freePort } from '../support/free-port.js';
import { stripeEntry, writeGatewaysFile } from '../support/gateways-file.js';
import { startRecordingProxy } from '../support/recording-proxy.js';

/**
 * The Stripe adapter's calls against the run's stripe-mock, which validates each against Stripe's
 * OpenAPI spec (a wrong parameter is its 400, and the call here fails). stripe-mock answers with
 * fixed fixtures and keeps no state, so these tests check what was asked (through a recording
 * proxy) and how the fixture's real-shaped answer is read — never a state machine.
 */
describe('the Stripe adapter against stripe-mock', () => {
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  const pool = createPool(testEnv.databaseUrl(), 2);
  let gateway: RecurringGateway;
  const gatewayAt = (apiBase: string): RecurringGateway => {
    const g = buildGateways(loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([stripeEntry({ api_base: apiBase })]) }), { db: pool }).get('stripe');
    assert.ok(g && isRecurringGateway(g));
    return g;
  };
  const last = (method: string, path: string) => [...proxy.requests].reverse().find((r) => r.method === method && r.url.split('?')[0] === path);

  before(async () => {
    proxy = await startRecordingProxy(testEnv.stripeMockUrl());
    gateway = gatewayAt(proxy.url);
  });
  after(async () => {
    await proxy.close();
    await pool.end();
  });

  it('starts a card-saving checkout: off_session future usage, a Customer, the payer’s email', async () => {
    const id = `pay_${randomUUID()}`;
    const deadline = new Date(Date.now() + 2 * 3600_000);
    const start = await gateway.startCheckout({ id, amountMinor: 500n, currency: 'JPY', description: 'Plan', reference: '1234567890', mode: 'test', returnUrl: 'http://localhost:3000/checkout/x/result', expiresAt: deadline, saveCard: true, customer: { id: 'cus_tollgate', email: 'jan@example.com' } });
    const sent = last('POST', '/v1/checkout/sessions');
    assert.equal(sent?.status, 200);
    // The session stops taking money at the payment's deadline (stripe-mock checks the parameter's type and range).
    assert.equal(sent.form.get('expires_at'), String(Math.floor(deadline.getTime() / 1000)));
    assert.equal(sent.form.get('payment_intent_data[setup_future_usage]'), 'off_session');
    assert.equal(sent.form.get('customer_creation'), 'always');
    assert.equal(sent.form.get('customer_email'), 'jan@example.com');
    assert.equal(sent.form.get('metadata[tollgate_save_card]'), 'true');
    assert.equal(sent.form.get('line_items[0][price_data][unit_amount]'), '500', 'JPY has no minor unit, for Stripe too');
    assert.match(start.url, /^https:\/\/checkout\.stripe\.com\//);
    assert.match(start.ids.sessionId ?? '', /^cs_/);
  });

  it('expires the session of a canceled payment, and does nothing for one that never reached Stripe', async () => {
    const before = proxy.requests.length;
    await gateway.cancelCheckout?.({ id: 'pay_x', mode: 'test', ids: {} });
    assert.equal(proxy.requests.length, before);
    await gateway.cancelCheckout?.({ id: 'pay_x', mode: 'test', ids: { sessionId: 'cs_test_cancel' } });
    assert.equal(last('POST', '/v1/checkout/sessions/cs_test_cancel/expire')?.status, 200);
  });

  it('charges a saved card off-session with the attempt key as Idempotency-Key, and reads the fixture’s failed intent as Stripe’s generic decline', async () => {
    const key = `sub_${randomUUID()}:3:1`;
    const result = await gateway.charge({ idempotencyKey: key, token: 'cus_Tollgate1/pm_Tollgate1', amountMinor: 1815n, currency: 'PLN', mode: 'test' });
    const sent = last('POST', '/v1/payment_intents');
    assert.equal(sent?.status, 200);
    assert.equal(sent.headers['idempotency-key'], key);
    assert.deepEqual(Object.fromEntries(sent.form), {
      amount: '1815', currency: 'pln', customer: 'cus_Tollgate1', payment_method: 'pm_Tollgate1', confirm: 'true', off_session: 'true', 'metadata[tollgate_attempt_key]': key,
    });
    // stripe-mock's PaymentIntent fixture is requires_payment_method with a last_payment_error without a code.
    assert.equal(result.outcome, 'soft_decline');
    assert.equal(result.code, 'generic_decline');
    assert.match(result.transactionId ?? '', /^pi_/);
  });

  it('refuses a token that is not cus_…/pm_… without calling Stripe', async () => {
    const before = proxy.requests.length;
    const result = await gateway.charge({ idempotencyKey: `k_${randomUUID()}`, token: 'sandbox_approve', amountMinor: 100n, currency: 'PLN', mode: 'test' });
    assert.deepEqual([result.outcome, result.code], ['hard_decline', 'tollgate_token']);
    assert.equal(proxy.requests.length, before);
  });

  it('looks a charge up by its attempt key in the intent’s metadata, and takes another intent for none', async () => {
    const key = `sub_${randomUUID()}:1:2`;
    assert.equal(await gateway.chargeStatus(key, 'test'), undefined, 'the fixture intent carries no tollgate_attempt_key');
    const sent = last('GET', '/v1/payment_intents/search');
    assert.equal(sent?.status, 200);
    assert.equal(new URL(sent.url, 'http://x').searchParams.get('query'), `metadata['tollgate_attempt_key']:'${key}'`);
  });

  it('refunds by the PaymentIntent with the refund key as Idempotency-Key and Tollgate’s ids in metadata', async () => {
    const refundId = `ref_${randomUUID()}`;
    const outcome = await gateway.refund!({
      idempotencyKey: `refund:${refundId}`, refundId, amountMinor: 500n, currency: 'PLN', mode: 'test', reason: 'customer asked',
      original: { paymentId: 'pay_1', transactionId: 'pi_Tollgate1', ids: { intentId: 'pi_Tollgate1' } },
    });
    const sent = last('POST', '/v1/refunds');
    assert.equal(sent?.status, 200);
    assert.equal(sent.headers['idempotency-key'], `refund:${refundId}`);
    assert.deepEqual(Object.fromEntries(sent.form), { payment_intent: 'pi_Tollgate1', amount: '500', 'metadata[tollgate_refund_id]': refundId, 'metadata[tollgate_reason]': 'customer asked' });
    assert.equal(outcome.status, 'succeeded', 'the fixture refund is succeeded');
    assert.match(outcome.gatewayRefundId ?? '', /^re_/);
  });

  it('asks for a refund’s status through the refund’s row: by the Stripe id when kept, else among the intent’s refunds by metadata', async () => {
    const customer = `cus_${randomUUID()}`;
    const paymentId = `pay_${randomUUID()}`;
    await pool.query("INSERT INTO customers (id, external_ref, name, email) VALUES ($1, $1, 'Jan', null)", [customer]);
    await pool.query(
      `INSERT INTO payments (id, customer_id, amount_minor, currency, gateway, description, reference, status, mode, adapter, settlement, expires_at, gateway_intent_id)
       VALUES ($1, $2, 1815, 'PLN', 'stripe', 'x', $3, 'succeeded', 'test', 'stripe', 'immediate', now() + interval '1 hour', 'pi_TollgateRow')`,
      [paymentId, customer, paymentId.slice(-20)],
    );
    const refund = async (id: string, gatewayRefundId: string | null) => {
      await pool.query(
        `INSERT INTO refunds (id, payment_id, customer_id, gateway, mode, amount_minor, currency, reason, idempotency_key, gateway_refund_id, requested_by)
         VALUES ($1, $2, $3, 'stripe', 'test', 100, 'PLN', 'test', $4, $5, 'test')`,
        [id, paymentId, customer, `refund:${id}`, gatewayRefundId],
      );
    };
    const unseen = `ref_${randomUUID()}`;
    await refund(unseen, null);
    assert.equal(await gateway.refundStatus!(`refund:${unseen}`, 'test'), undefined, 'no refund of the intent carries its id');
    assert.equal(last('GET', '/v1/refunds')?.url, '/v1/refunds?payment_intent=pi_TollgateRow&limit=100');
    const known = `ref_${randomUUID()}`;
    await refund(known, 're_TollgateKnown');
    assert.equal((await gateway.refundStatus!(`refund:${known}`, 'test'))?.status, 'succeeded');
    assert.equal(last('GET', '/v1/refunds/re_TollgateKnown')?.status, 200);
    assert.equal(await gateway.refundStatus!('refund:no_such_refund', 'test'), undefined);
  });

  it('asks for a payment’s outcome by the session kept on its row, and reads stripe-mock’s open session as not known yet', async () => {
    const customer = `cus_${randomUUID()}`;
    const [withSession, without] = [`pay_${randomUUID()}`, `pay_${randomUUID()}`];
    await pool.query("INSERT INTO customers (id, external_ref, name, email) VALUES ($1, $1, 'Jan', null)", [customer]);
    for (const [id, session] of [[withSession, 'cs_TollgateStatus'], [without, null]] as const) {
      await pool.query(
        `INSERT INTO payments (id, customer_id, amount_minor, currency, gateway, description, reference, status, mode, adapter, settlement, expires_at, gateway_session_id)
         VALUES ($1, $2, 1815, 'PLN', 'stripe', 'x', $3, 'pending', 'test', 'stripe', 'immediate', now() + interval '1 hour', $4)`,
        [id, customer, id.slice(-20), session],
      );
    }
    assert.equal(await gateway.paymentStatus!({ id: withSession, mode: 'test' }), undefined);
    const sent = last('GET', '/v1/checkout/sessions/cs_TollgateStatus');
    assert.equal(sent?.status, 200);
    assert.equal(new URL(sent.url, 'http://x').searchParams.get('expand[0]'), 'payment_intent');
    const before = proxy.requests.length;
    assert.equal(await gateway.paymentStatus!({ id: without, mode: 'test' }), undefined, 'no session: nothing to ask');
    assert.equal(proxy.requests.length, before);
  });

  it('reports a Stripe it cannot reach as an unknown outcome (GatewayTimeoutError), to be resolved by asking', async () => {
    const nobody = gatewayAt(`http://127.0.0.1:${await freePort()}`);
    await assert.rejects(nobody.charge({ idempotencyKey: `k_${randomUUID()}`, token: 'cus_A/pm_B', amountMinor: 100n, currency: 'PLN', mode: 'test' }), GatewayTimeoutError);
    await assert.rejects(nobody.refund!({ idempotencyKey: 'refund:r', refundId: 'r', amountMinor: 1n, currency: 'PLN', mode: 'test', reason: 'x', original: { transactionId: 'pi_A', ids: {} } }), GatewayTimeoutError);
  });
});
