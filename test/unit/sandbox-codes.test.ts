import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ledgerVerdict, SANDBOX_RESPONSE_CODES } from '../../src/gateways/sandbox/codes.js';
import { tokenBehaviour } from '../../src/gateways/sandbox/recurring.js';

describe("the sandbox's response codes (src/gateways/sandbox/codes.ts)", () => {
  it('maps each code onto one Tollgate outcome: approve, soft, hard, technical, authentication', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(SANDBOX_RESPONSE_CODES).map(([code, v]) => [code, v.outcome])),
      { '00': 'success', '05': 'hard_decline', '14': 'hard_decline', '43': 'hard_decline', '51': 'soft_decline', '96': 'technical_error', '1A': 'action_required' },
    );
  });

  it('books what the table says: approved for 00, the outcome itself for the declines', () => {
    assert.deepEqual(ledgerVerdict('00'), { outcome: 'approved', code: '00', message: 'Approved' });
    assert.equal(ledgerVerdict('51').outcome, 'soft_decline');
    assert.equal(ledgerVerdict('1A').outcome, 'action_required');
  });

  it('gives every hard-declining token a code the table reads as a hard decline', () => {
    for (const token of ['sandbox_hard_decline', 'not_a_sandbox_token']) {
      const b = tokenBehaviour(token);
      assert.ok(b.kind === 'hard_decline' && SANDBOX_RESPONSE_CODES[b.code].outcome === 'hard_decline', token);
    }
  });
});
