import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFinalRefundStatus, REFUND_STATUSES, REFUND_TRANSITIONS, refundAmountConflict } from '../../src/domain/refund.js';
import { refundBehaviour } from '../../src/gateways/sandbox/refunds.js';

describe('refund rules', () => {
  it('refunds at most what is left of the capture', () => {
    const target = { amountMinor: 3000n, refundedMinor: 2000n };
    assert.equal(refundAmountConflict({ amountMinor: 1000n }, target), undefined);
    assert.match(refundAmountConflict({ amountMinor: 1001n }, target) ?? '', /\(1000 minor units\)/);
    assert.match(refundAmountConflict({ amountMinor: 1n }, { amountMinor: 3000n, refundedMinor: 3000n }) ?? '', /nothing is left/);
  });

  it('moves a pending refund to succeeded or failed, a manual one only to succeeded, and never out of a final state', () => {
    assert.deepEqual(REFUND_TRANSITIONS.pending, ['succeeded', 'failed']);
    assert.deepEqual(REFUND_TRANSITIONS.requires_manual, ['succeeded']);
    assert.deepEqual(REFUND_STATUSES.filter(isFinalRefundStatus), ['succeeded', 'failed']);
  });

  it("picks the sandbox's refund behaviour by the amount's last two digits", () => {
    assert.deepEqual([1000n, 1013n, 1014n, 1015n, 1016n, 113n, 13n, 1300n].map(refundBehaviour), ['succeed', 'decline', 'timeout', 'pending', 'pending_until_callback', 'decline', 'decline', 'succeed']);
  });
});
