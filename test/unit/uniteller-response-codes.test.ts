import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNITELLER_DECLINE_CODES, unitellerDeclineOutcome } from '../../src/gateways/uniteller/response-codes.js';

describe("Uniteller's Response_Code for a declined recurring charge (src/gateways/uniteller/response-codes.ts)", () => {
  const table: Array<[code: string, outcome: 'hard_decline' | 'soft_decline', why: string]> = [
    ['AS101', 'hard_decline', 'wrong card number (14, 15, 52, 53)'],
    ['AS104', 'hard_decline', 'expired card (54)'],
    ['AS108', 'hard_decline', 'fraud: pick up, lost, stolen (04, 07, 41, 43)'],
    ['AS110', 'hard_decline', 'subscription not found'],
    ['AS115', 'hard_decline', 'account closed'],
    ['AS100', 'soft_decline', 'other errors, no reason given'],
    ['AS102', 'soft_decline', 'insufficient funds (51)'],
    ['AS105', 'soft_decline', 'limit exceeded (61, 65)'],
    ['AS107', 'soft_decline', 'data reception error (96)'],
    ['AS114', 'soft_decline', 'account blocked: a block can be lifted'],
    ['AS200', 'soft_decline', 'repeat the authorisation (19)'],
    ['AS998', 'soft_decline', 'system error'],
  ];
  for (const [code, outcome, why] of table) {
    it(`${code} (${why}) is a ${outcome}`, () => assert.equal(unitellerDeclineOutcome(code), outcome));
  }

  it('reads the code as the results request may spell it: spaces around, lower case', () => {
    assert.equal(unitellerDeclineOutcome(' as104 '), 'hard_decline');
  });

  it('keeps a code the manual does not list, or none at all, soft: the safe default', () => {
    assert.equal(unitellerDeclineOutcome('AS103'), 'soft_decline');
    assert.equal(unitellerDeclineOutcome('54'), 'soft_decline', 'the two-digit ISO code is the cabinet’s, not the API’s');
    assert.equal(unitellerDeclineOutcome(''), 'soft_decline');
    assert.equal(unitellerDeclineOutcome('constructor'), 'soft_decline', 'no prototype key is a code');
  });

  it('classifies every decline code of section 8.2 (AS000, the approval, is not a decline)', () => {
    assert.deepEqual(Object.keys(UNITELLER_DECLINE_CODES).sort(), [
      'AS100', 'AS101', 'AS102', 'AS104', 'AS105', 'AS107', 'AS108', 'AS109', 'AS110', 'AS111', 'AS112', 'AS113', 'AS114', 'AS115', 'AS116', 'AS200', 'AS998',
    ]);
  });
});
