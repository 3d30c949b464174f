import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assistCheckvalue, checkvaluesEqual, formCheckvalue, notificationCheckvalue, orderStateCheckvalue } from '../../src/gateways/assist/checkvalue.js';
import { AssistAmountError, fromAssistAmount, toAssistAmount } from '../../src/gateways/assist/amounts.js';
import { ASSIST_ORDER_STATES, CHARGE_VERDICT_FOR_STATE, PAYMENT_VERDICT_FOR_STATE } from '../../src/gateways/assist/states.js';
import { billnumberOf, tokenOf } from '../../src/gateways/assist/token.js';

/**
 * Assist's documentation gives the formula, uppercase(md5(uppercase(md5(SALT) + md5(X)))), but no
 * worked example with its result. The expected values below were computed by hand from that
 * formula with coreutils, independently of this code:
 *   S=$(printf %s Sekretne_slowo | md5sum)                      -> 92197ba469e9cd25b0ea2cd7f3dfbfc8
 *   X=$(printf %s 123456pay_TestOrder118.15RUB | md5sum)        -> c67a22e2ffb73a5ac0f4b79d09bbc277
 *   printf %s "$S$X" | tr a-f A-F | md5sum | tr a-f A-F         -> 07522C64AB1D79AA0686C6C575734AEC
 * and the same with X = 123456pay_TestOrder118.15RUBApproved   -> C91139DBFB7FB54AD1DE8A963900EDB0
 */
describe('Assist check values, by the published formula', () => {
  const salt = 'Sekretne_slowo';
  const order = { merchantId: '123456', orderNumber: 'pay_TestOrder1' };

  it('signs the payment form over Merchant_ID, OrderNumber, OrderAmount and OrderCurrency without delimiters', () => {
    assert.equal(formCheckvalue(salt, { ...order, orderAmount: '18.15', orderCurrency: 'RUB' }), '07522C64AB1D79AA0686C6C575734AEC');
    // The ";"-joined string of one public library is a different value: Assist's note says "without delimiters".
    assert.notEqual(assistCheckvalue(salt, ['123456;pay_TestOrder1;18.15;RUB']), '07522C64AB1D79AA0686C6C575734AEC');
  });

  it('checks a notification and an order state answer over the same fields plus the order state', () => {
    assert.equal(notificationCheckvalue(salt, { ...order, amount: '18.15', currency: 'RUB', orderState: 'Approved' }), 'C91139DBFB7FB54AD1DE8A963900EDB0');
    assert.equal(orderStateCheckvalue(salt, { ...order, orderAmount: '18.15', orderCurrency: 'RUB', orderState: 'Approved' }), 'C91139DBFB7FB54AD1DE8A963900EDB0');
    assert.notEqual(notificationCheckvalue(salt, { ...order, amount: '18.15', currency: 'RUB', orderState: 'Declined' }), 'C91139DBFB7FB54AD1DE8A963900EDB0');
    assert.notEqual(notificationCheckvalue('another salt', { ...order, amount: '18.15', currency: 'RUB', orderState: 'Approved' }), 'C91139DBFB7FB54AD1DE8A963900EDB0');
  });

  it('compares check values case-insensitively and refuses any other value', () => {
    assert.ok(checkvaluesEqual('C91139DBFB7FB54AD1DE8A963900EDB0', 'c91139dbfb7fb54ad1de8a963900edb0'));
    assert.ok(!checkvaluesEqual('C91139DBFB7FB54AD1DE8A963900EDB0', 'C91139DBFB7FB54AD1DE8A963900EDB1'));
    assert.ok(!checkvaluesEqual('C91139DBFB7FB54AD1DE8A963900EDB0', ''));
  });
});

describe('Assist amounts and states', () => {
  it('writes two decimals whatever the currency exponent, and refuses what two decimals cannot say', () => {
    assert.equal(toAssistAmount(1815n, 'RUB'), '18.15');
    assert.equal(toAssistAmount(5n, 'RUB'), '0.05');
    assert.equal(toAssistAmount(500n, 'JPY'), '500.00');
    assert.equal(toAssistAmount(1230n, 'KWD'), '1.23');
    assert.throws(() => toAssistAmount(1234n, 'KWD'), AssistAmountError);
    assert.throws(() => toAssistAmount(0n, 'RUB'), AssistAmountError);
    assert.equal(fromAssistAmount('18.15', 'RUB'), 1815n);
    assert.equal(fromAssistAmount('18,10', 'RUB'), 1810n);
  });

  it('maps every documented order state, for payments and for recurring charges', () => {
    assert.deepEqual(Object.keys(PAYMENT_VERDICT_FOR_STATE).sort(), [...ASSIST_ORDER_STATES].sort());
    assert.deepEqual(Object.keys(CHARGE_VERDICT_FOR_STATE).sort(), [...ASSIST_ORDER_STATES].sort());
    assert.equal(PAYMENT_VERDICT_FOR_STATE.Approved, 'succeeded');
    assert.equal(PAYMENT_VERDICT_FOR_STATE['In Process'], 'pending');
    assert.equal(PAYMENT_VERDICT_FOR_STATE.Declined, 'pending', 'the payer may try again on the same order');
    assert.equal(CHARGE_VERDICT_FOR_STATE.Declined, 'soft_decline');
  });

  it('keeps only the first payment’s bill number as the payment method', () => {
    assert.equal(billnumberOf(tokenOf('1000000000000007')), '1000000000000007');
    assert.equal(billnumberOf('sandbox_approve'), undefined);
    assert.equal(billnumberOf('assist_bill:12; DROP'), undefined);
  });
});
