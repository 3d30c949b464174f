import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssistAnswer, AssistClient } from '../../src/gateways/assist/client.js';
import { assistCharge } from '../../src/gateways/assist/recurring.js';
import { ASSIST_DECLINE_CODES, assistDeclineOutcome } from '../../src/gateways/assist/response-codes.js';
import type { GatewaySettings } from '../../src/gateways/settings.js';

describe("Assist's responsecode for a declined recurring charge (src/gateways/assist/response-codes.ts)", () => {
  const table: Array<[code: string, outcome: 'hard_decline' | 'soft_decline', why: string]> = [
    ['AS101', 'hard_decline', 'wrong card number'],
    ['AS104', 'hard_decline', 'wrong expiry: the stored card expired'],
    ['AS108', 'hard_decline', 'suspected fraud'],
    ['AS100', 'soft_decline', 'declined, no reason given'],
    ['AS102', 'soft_decline', 'insufficient funds'],
    ['AS105', 'soft_decline', "the card's limit"],
    ['AS106', 'soft_decline', 'wrong PIN'],
    ['AS107', 'soft_decline', 'data reception error'],
    ['AS109', 'soft_decline', "Assist's own operation limit"],
    ['AS110', 'soft_decline', '3-D Secure required'],
    ['AS200', 'soft_decline', 'repeat the authorisation'],
    ['AS998', 'soft_decline', 'system error'],
  ];
  for (const [code, outcome, why] of table) {
    it(`${code} (${why}) is a ${outcome}`, () => assert.equal(assistDeclineOutcome(code), outcome));
  }

  it('keeps a code the lists do not give, or none at all, soft: the safe default', () => {
    assert.equal(assistDeclineOutcome(' as104 '), 'hard_decline', 'read as an answer may spell it');
    assert.equal(assistDeclineOutcome('AS103'), 'soft_decline');
    assert.equal(assistDeclineOutcome(''), 'soft_decline');
    assert.equal(assistDeclineOutcome(undefined), 'soft_decline');
    assert.equal(assistDeclineOutcome('constructor'), 'soft_decline', 'no prototype key is a code');
  });

  it('classifies every decline code the published lists give (AS000 is the approval, AS300 in process, AS400 no such payment: not declines)', () => {
    assert.deepEqual(Object.keys(ASSIST_DECLINE_CODES).sort(), ['AS100', 'AS101', 'AS102', 'AS104', 'AS105', 'AS106', 'AS107', 'AS108', 'AS109', 'AS110', 'AS200', 'AS998']);
  });

  describe('a recurring charge (rp.cfm) answered with a Declined order', () => {
    const settings = {
      name: 'assist',
      assist: { accounts: { test: { merchantId: '679471', login: 'shop', password: 'pw', base: 'https://test.assist.example' } } },
      secrets: { test: 'salt' },
    } as unknown as GatewaySettings;
    const declinedWith = (responsecode: string): AssistClient => ({
      post: async (): Promise<AssistAnswer> => ({
        ok: true, firstcode: '0', secondcode: '0', operations: [[]],
        orders: [{ ordernumber: 'sub-1:3:1', billnumber: '5000001', orderstate: 'Declined', responsecode, message: 'Declined by the issuer' }],
      }),
    });
    const charge = (code: string) =>
      assistCharge(declinedWith(code), settings, { idempotencyKey: 'sub-1:3:1', token: 'assist_bill:5000000', amountMinor: 1815n, currency: 'RUB', mode: 'test' }, new Date());

    it('stops the subscription for an expired card, retries for insufficient funds, and keeps the code', async () => {
      assert.deepEqual(await charge('AS104'), { outcome: 'hard_decline', code: 'AS104', message: 'Declined by the issuer', transactionId: '5000001' });
      assert.equal((await charge('AS108')).outcome, 'hard_decline');
      assert.deepEqual(await charge('AS102'), { outcome: 'soft_decline', code: 'AS102', message: 'Declined by the issuer', transactionId: '5000001' });
      assert.equal((await charge('')).outcome, 'soft_decline', 'no code: soft');
    });
  });
});
