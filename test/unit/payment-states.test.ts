import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateConflictError } from '../../src/domain/errors.js';
import { assertTransition, canTransition, PAYMENT_STATUSES, PAYMENT_TRANSITIONS } from '../../src/domain/payment.js';

describe('payment state machine', () => {
  it('lets a pending payment reach every final state', () => {
    for (const to of ['succeeded', 'failed', 'expired', 'canceled'] as const) assert.ok(canTransition('pending', to));
  });

  it('never moves a final payment', () => {
    for (const from of PAYMENT_STATUSES.filter((s) => s !== 'pending')) {
      assert.deepEqual(PAYMENT_TRANSITIONS[from], []);
      for (const to of PAYMENT_STATUSES) assert.throws(() => assertTransition(from, to), StateConflictError);
    }
  });
});
