import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callbackSignature, paymentSignature, recurrentSignature, signatureMatches } from '../../src/gateways/uniteller/signature.js';

/**
 * Uniteller's three formulas (manual "Технический порядок взаимодействия с системой Uniteller"):
 *   page:      uppercase(md5(md5(Shop_IDP)&md5(Order_IDP)&md5(Subtotal_P)&md5(MeanType)&md5(EMoneyType)&
 *              md5(Lifetime)&md5(Customer_IDP)&md5(Card_IDP)&md5(IData)&md5(PT_Code)&md5(password)))
 *   recurrent: uppercase(md5(md5(Shop_IDP)&md5(Order_IDP)&md5(Subtotal_P)&md5(Parent_Order_IDP)&md5(password)))
 *   callback:  uppercase(md5(Order_ID + Status + password))
 * The manual itself was not reachable from here, so it gave us no worked example. The expected
 * values below were computed by hand from the formulas with coreutils' md5sum (not with the
 * code under test), e.g. for the page: E=$(printf '' | md5sum) …; printf '%s' "$(h 00030576)&$(h 999)&…" | md5sum.
 */
describe('Uniteller signatures, against the published formulas', () => {
  it('the payment page: the only worked example we found (tmconsulting/uniteller-php-sdk’s test: Shop 00030576, order 999, 50, password "password"), recomputed by hand', () => {
    assert.equal(paymentSignature({ Shop_IDP: '00030576', Order_IDP: '999', Subtotal_P: '50' }, 'password'), '473A2DAB9F207DC6B1CFF561677BDC8A');
  });

  it('the payment page with Lifetime and Customer_IDP in their places and the absent fields as md5("")', () => {
    const sig = paymentSignature({ Shop_IDP: '00012345', Order_IDP: 'pay_Example', Subtotal_P: '18.15', Lifetime: '1800', Customer_IDP: 'cus_Example' }, 's3cret-Password-0001');
    assert.equal(sig, 'AFC9E612803E67E8F729EA0DA53B2452');
    // The position matters: the same value as Card_IDP instead of Customer_IDP signs something else.
    assert.notEqual(paymentSignature({ Shop_IDP: '00012345', Order_IDP: 'pay_Example', Subtotal_P: '18.15', Lifetime: '1800', Card_IDP: 'cus_Example' }, 's3cret-Password-0001'), sig);
  });

  it('the recurring request', () => {
    assert.equal(
      recurrentSignature({ Shop_IDP: '00012345', Order_IDP: 'sub_Example:2:1', Subtotal_P: '49.99', Parent_Order_IDP: 'pay_Example:recurrent' }, 's3cret-Password-0001'),
      'C55EEE3E177F02C9A14AE4BCF7E7F95E',
    );
  });

  it('the notification, compared case-insensitively (hex) and refusing any other value', () => {
    const sig = callbackSignature('pay_Example', 'paid', 's3cret-Password-0001');
    assert.equal(sig, 'D78EAB75BF9BEBDC710D77D2AE04593A');
    assert.ok(signatureMatches(sig.toLowerCase(), sig));
    assert.ok(!signatureMatches(callbackSignature('pay_Example', 'authorized', 's3cret-Password-0001'), sig));
    assert.ok(!signatureMatches('', sig));
  });
});
