import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkExpiryMs, MIN_LINK_TTL_MS } from '../../src/activities/subscription-authentication.js';
import { ATTEMPT_STATUS_FOR_OUTCOME, nextStep } from '../../src/domain/subscription.js';
import { tokenBehaviour } from '../../src/gateways/sandbox/recurring.js';

const DAY = 86_400_000;

describe('SCA rules (issue 11 §2)', () => {
  it('an action_required answer waits for the customer, whatever budget is left, and is a failed attempt (no money moved)', () => {
    for (const [soft, technical] of [[0, 0], [1, 3], [5, 5]] as const) {
      assert.deepEqual(nextStep('action_required', soft, technical, [60_000, 3_600_000]), { kind: 'await_customer' });
    }
    assert.equal(ATTEMPT_STATUS_FOR_OUTCOME.action_required, 'failed');
  });

  it('the sandbox token sandbox_authentication_required asks for authentication; near names do not', () => {
    assert.deepEqual(tokenBehaviour('sandbox_authentication_required'), { kind: 'authentication_required' });
    assert.equal(tokenBehaviour('sandbox_authentication_required_x').kind, 'hard_decline');
  });

  it("a period's link lives its TTL, but not past the next period's due time, and never under the minimum", () => {
    const now = Date.parse('2027-03-01T00:00:00.000Z');
    assert.equal(linkExpiryMs(now, 7 * DAY, null), now + 7 * DAY, 'automatic: no next due time');
    assert.equal(linkExpiryMs(now, 7 * DAY, now + 30 * DAY), now + 7 * DAY, 'monthly: the TTL');
    assert.equal(linkExpiryMs(now, 7 * DAY, now + DAY), now + DAY, 'daily: until the next period');
    assert.equal(linkExpiryMs(now, 7 * DAY, now + 30_000), now + MIN_LINK_TTL_MS, 'every 30 s: the minimum');
  });
});
