import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryOf, deliveryOfRow, journalTermsOf } from '../../src/relay/delivery.js';

describe('what an accepted callback delivers (src/relay/delivery.ts)', () => {
  it('looks a payment, a refund, a dispute and a note up by the ids their messages carry', () => {
    assert.deepEqual(journalTermsOf({ kind: 'payment', eventId: 'e', paymentId: 'pay_1', outcome: { status: 'succeeded' } }).lookup, { by: 'payment', id: 'pay_1' });
    assert.deepEqual(journalTermsOf({ kind: 'refund', eventId: 'e', refundId: 'ref_1', outcome: { status: 'failed' } }).lookup, { by: 'refund', id: 'ref_1' });
    const dispute = journalTermsOf({
      kind: 'dispute',
      eventId: 'e',
      target: { intentId: 'pi_1' },
      dispute: { gatewayDisputeId: 'dp_1', status: 'open', amountMinor: 12_345_678_901_234_567n, currency: 'PLN' },
    });
    assert.deepEqual(dispute.lookup, { by: 'intent', id: 'pi_1' });
    // Stored as JSON: the amount is a decimal string, exact beyond 2^53.
    assert.deepEqual(dispute.signal, { kind: 'dispute', dispute: { gatewayDisputeId: 'dp_1', status: 'open', amountMinor: '12345678901234567', currency: 'PLN', reason: null } });
    assert.deepEqual(journalTermsOf({ kind: 'noted', eventId: 'e', target: { chargeAttemptId: '7' }, note: 'n' }).lookup, { by: 'charge_attempt', id: '7' });
    assert.deepEqual(journalTermsOf({ kind: 'noted', eventId: 'e', target: { refundId: 'ref_2' }, note: 'n' }).lookup, { by: 'refund', id: 'ref_2' });
  });

  it('sends a dispute to the payment or the charge attempt the journal resolved, with the gateway', () => {
    const signal = { kind: 'dispute' as const, dispute: { gatewayDisputeId: 'dp_1', status: 'lost' as const, amountMinor: '100', currency: 'EUR', reason: 'fraudulent' } };
    assert.deepEqual(deliveryOf('stripe', { kind: 'charge_attempt', id: '42' }, signal), {
      kind: 'dispute',
      update: { gateway: 'stripe', gatewayDisputeId: 'dp_1', status: 'lost', amountMinor: '100', currency: 'EUR', reason: 'fraudulent', paymentId: null, chargeAttemptId: '42' },
    });
    assert.equal(deliveryOf('stripe', { kind: 'refund', id: 'ref_1' }, signal), undefined, 'a dispute is never of a refund');
    assert.equal(deliveryOf('stripe', { kind: 'refund', id: 'ref_1' }, { kind: 'payment', outcome: { status: 'succeeded' } }), undefined);
  });

  it('reads rows journaled before kinds existed as payment outcomes for payment_id', () => {
    const outcome = { status: 'succeeded', gatewayTransactionId: 't' };
    assert.deepEqual(deliveryOfRow({ source: 'sandbox', payment_id: 'pay_1', target_kind: null, target_id: null, signal: outcome }), { kind: 'payment', paymentId: 'pay_1', outcome });
    assert.equal(deliveryOfRow({ source: 'sandbox', payment_id: null, target_kind: null, target_id: null, signal: outcome }), undefined);
    assert.deepEqual(deliveryOfRow({ source: 'sandbox', payment_id: null, target_kind: 'refund', target_id: 'ref_1', signal: { kind: 'refund', outcome: { status: 'pending' } } }), {
      kind: 'refund',
      refundId: 'ref_1',
      outcome: { status: 'pending' },
    });
  });
});
