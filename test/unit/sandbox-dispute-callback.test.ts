import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { sandboxDisputeCallbacks, signedDisputeCallback } from '../../src/gateways/sandbox/disputes.js';
import { createSandboxGateway } from '../../src/gateways/sandbox/gateway.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { can } from '../../src/gateways/types.js';
import { sandboxEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';

const config = loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([sandboxEntry(), sandboxEntry({ name: 'keeps', on_lost_dispute: 'keep_subscription' })]) });
const settings = config.gateways[0];
if (!settings) throw new Error('no sandbox in the test gateways file');
// verifyCallback never reads the sandbox's books: no database is reached here.
const gateway = createSandboxGateway({ db: undefined as unknown as pg.Pool, settings, toleranceSeconds: 300, publicBaseUrl: 'http://127.0.0.1' });
const now = 1_800_000_000;

function verify(body: unknown, secret = TEST_SECRET) {
  const text = JSON.stringify(body);
  return gateway.verifyCallback({ headers: webhookHeaders(secret, 'msg_1', now, text), body: text }, JSON.parse(text), now);
}

describe('sandbox dispute callbacks', () => {
  it('a dispute.created of a payment is a dispute message for that payment, open, its amount exact', () => {
    const [created] = sandboxDisputeCallbacks({ paymentId: 'pay_1', amountMinor: 1815n, currency: 'PLN' }, undefined, 'fraudulent');
    const signed = signedDisputeCallback(TEST_SECRET, created!, now);
    const verdict = gateway.verifyCallback({ headers: signed.headers, body: signed.body }, JSON.parse(signed.body), now);
    assert.ok(verdict.ok);
    assert.equal(verdict.signedMode, 'test');
    assert.deepEqual(verdict.message, {
      kind: 'dispute',
      eventId: signed.headers['webhook-id'],
      target: { paymentId: 'pay_1' },
      dispute: { gatewayDisputeId: 'sbx_dp_pay_1', status: 'open', amountMinor: 1815n, currency: 'PLN', reason: 'fraudulent' },
    });
  });

  it('with an outcome the processor raises then decides: created, then closed lost, for a charge attempt', () => {
    const bodies = sandboxDisputeCallbacks({ chargeAttemptId: '42', amountMinor: 4999n, currency: 'PLN' }, 'lost', 'product_not_received');
    assert.deepEqual(bodies.map((b) => b.type), ['dispute.created', 'dispute.closed']);
    const verdict = verify(bodies[1]);
    assert.ok(verdict.ok);
    assert.equal(verdict.message.kind, 'dispute');
    if (verdict.message.kind !== 'dispute') return;
    assert.deepEqual(verdict.message.target, { chargeAttemptId: '42' });
    assert.equal(verdict.message.dispute.status, 'lost');
    assert.equal(verdict.message.dispute.gatewayDisputeId, 'sbx_dp_ca_42');
  });

  it('refuses what a processor would never send, naming the field: two targets, none, a fractional or negative amount, an unknown outcome', () => {
    const data = { dispute_id: 'd1', payment_id: 'pay_1', amount: 100, currency: 'PLN' };
    const cases: Array<[unknown, string]> = [
      [{ type: 'dispute.created', data: { ...data, charge_attempt_id: '7' } }, 'data.payment_id'],
      [{ type: 'dispute.created', data: { dispute_id: 'd1', amount: 100, currency: 'PLN' } }, 'data.payment_id'],
      [{ type: 'dispute.created', data: { ...data, amount: 10.5 } }, 'data.amount'],
      [{ type: 'dispute.created', data: { ...data, amount: -1 } }, 'data.amount'],
      [{ type: 'dispute.closed', data: { ...data, status: 'reopened' } }, 'data.status'],
      [{ type: 'dispute.closed', data }, 'data.status'],
      [{ type: 'dispute.created', data: { ...data, charge_attempt_id: undefined, payment_id: undefined } }, 'data.payment_id'],
      [{ type: 'dispute.updated', data }, 'type'],
    ];
    for (const [body, path] of cases) {
      const verdict = verify(body);
      assert.ok(!verdict.ok && verdict.reason === 'schema', `${JSON.stringify(body)} is refused`);
      assert.ok(verdict.issues.some((i) => i.path === path), `${JSON.stringify(body)}: ${JSON.stringify(verdict.issues)} names ${path}`);
    }
  });

  it('a dispute signed with another secret is refused as a signature, before its body is read', () => {
    const verdict = verify(sandboxDisputeCallbacks({ paymentId: 'pay_1', amountMinor: 1n, currency: 'PLN' }, 'won', 'x')[1], 'whsec_b3RoZXItc2VjcmV0LW5vdC10aGUtc2FuZGJveA==');
    assert.ok(!verdict.ok);
    assert.equal(verdict.reason, 'signature');
  });

  it('payment callbacks read as before', () => {
    const verdict = verify({ type: 'payment.succeeded', data: { payment_id: 'pay_1', transaction_id: 'sbx_txn_1', code: '00', card_token: 'sandbox_approve' } });
    assert.ok(verdict.ok);
    assert.deepEqual(verdict.message, {
      kind: 'payment',
      eventId: 'msg_1',
      paymentId: 'pay_1',
      outcome: { status: 'succeeded', gatewayTransactionId: 'sbx_txn_1', code: '00', message: undefined, paymentMethodToken: 'sandbox_approve', paymentMethodExpires: undefined },
    });
  });

  it('the sandbox declares disputes; on_lost_dispute defaults to stopping the subscription, and the file may keep it', () => {
    assert.ok(can(gateway, 'disputes'));
    assert.equal(config.gateways[0]?.onLostDispute, 'stop_subscription');
    assert.equal(config.gateways[1]?.onLostDispute, 'keep_subscription');
    assert.throws(() => loadConfig({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([sandboxEntry({ on_lost_dispute: 'refund' })]) }), /on_lost_dispute/);
  });
});
