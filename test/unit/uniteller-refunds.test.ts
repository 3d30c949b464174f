import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { readUnblockAnswer, refundedOrderId, unblockForm, UNBLOCK_FIELDS } from '../../src/gateways/uniteller/refunds.js';
import { unblockSignature } from '../../src/gateways/uniteller/signature.js';

/**
 * Uniteller's cancel-or-refund request as "Технический порядок. Интернет-эквайринг" v1.43 rev. 48
 * gives it (4.5.2.3, 8.3.2.1). The manual has no worked example of this Signature, so the formula
 * is written out here again from the manual's text and compared with the adapter's.
 */
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('uniteller refunds (/unblock/)', () => {
  it('signs with sha256 over the parameters sent, in table 29’s order, a missing optional one leaving out its “&” too', () => {
    const full = uppercaseSha(['pay_1', '00012345', '1815.00', '1', 'RUB', 'OrderNumber;Status', 'secret']);
    assert.equal(unblockSignature(['pay_1', '00012345', '1815.00', '1', 'RUB', 'OrderNumber;Status'], 'secret'), full);
    // Only OrderID and Shop_ID sent: sha256(sha256(OrderID) & sha256(Shop_ID) & sha256(Password)).
    const bare = `${sha256('pay_1')}&${sha256('00012345')}&${sha256('secret')}`;
    assert.equal(unblockSignature(['pay_1', '00012345'], 'secret'), sha256(bare).toUpperCase());
    assert.match(full, /^[0-9A-F]{64}$/);
  });

  it('builds the request by OrderID with the whole amount, CSV and the fields the answer must carry', () => {
    const form = unblockForm({ shopIdp: '00012345', password: 'secret' }, 'pay_1:recurrent', '49.99', 'RUB');
    assert.deepEqual(Object.keys(form), ['OrderID', 'Shop_ID', 'Subtotal_P', 'Format', 'Currency', 'S_FIELDS', 'Signature']);
    assert.deepEqual([form.OrderID, form.Shop_ID, form.Subtotal_P, form.Format, form.Currency, form.S_FIELDS], ['pay_1:recurrent', '00012345', '49.99', '1', 'RUB', UNBLOCK_FIELDS.join(';')]);
    assert.equal(form.Signature, uppercaseSha(['pay_1:recurrent', '00012345', '49.99', '1', 'RUB', UNBLOCK_FIELDS.join(';'), 'secret']));
    assert.equal('Login' in form || 'Password' in form, false, 'the request by OrderID is signed, not logged in');
  });

  it('reads the CSV answer of 8.3.2.1: a canceled order, an SBP refund still Paid, and the refusals of table 31', () => {
    // 8.3.2.1.1's header, in full, with the values Uniteller would give a cancelled card payment.
    const head = 'OrderNumber;Response_Code;Recommendation;Message;Comment;Date;Total;Currency;CardType;CardNumber;LastName;FirstName;MiddleName;Address;Email;ApprovalCode;CVC2;CardHolder;IPAddress;BillNumber;BankName;Status;Error_Code;Error_Comment;PacketDate;PaymentType;Phone';
    const line = (status: string) => `pay_1;AS000;;;;03.12.2026 09:00:00;1815.00;RUB;visa;411111******1111;;;;;;123456;1;;10.0.0.1;947192142100;Bank;${status};;;03.12.2026 09:00:01;1;`;
    assert.deepEqual(readUnblockAnswer(`${head}\r\n${line('Canceled')}\r\n`), { status: 'succeeded', gatewayRefundId: '947192142100', code: 'AS000', message: 'Uniteller cancelled the order' });
    assert.equal(readUnblockAnswer(`${head}\n${line('Paid')}\n`)?.status, 'pending', '4.5.2.4: an SBP refund answers Paid and turns Canceled later');
    assert.deepEqual(readUnblockAnswer('ErrorCode;ErrorMessage\n16;The order has already been cancelled\n')?.status, 'succeeded', 'the order’s one cancellation happened already');
    assert.deepEqual(readUnblockAnswer('ErrorCode;ErrorMessage\n35;Partial return is not supported\n'), { status: 'failed', code: 'uniteller_35', message: 'Partial return is not supported' });
    assert.deepEqual(readUnblockAnswer('ErrorCode;ErrorMessage\n1;Authentication error\n'), { status: 'failed', code: 'uniteller_1', message: 'Authentication error' });
    assert.equal(readUnblockAnswer('ErrorCode;ErrorMessage\n15;Try again later\n'), undefined, '15: nothing cancelled — asked about and sent again later, never failed');
    assert.equal(readUnblockAnswer('<html>gateway timeout</html>'), undefined, 'unreadable: maybe a cancellation, asked about instead');
    assert.equal(readUnblockAnswer(''), undefined);
  });

  it('cancels the order of the payment (its session, …:recurrent too) or of the recurring charge', () => {
    assert.equal(refundedOrderId({ payment_id: 'pay_1', payment_session_id: 'pay_1:recurrent', attempt_key: null, attempt_intent_id: null }), 'pay_1:recurrent');
    assert.equal(refundedOrderId({ payment_id: 'pay_1', payment_session_id: null, attempt_key: null, attempt_intent_id: null }), 'pay_1');
    assert.equal(refundedOrderId({ payment_id: null, payment_session_id: null, attempt_key: 'sub_1:2:1', attempt_intent_id: null }), 'sub_1:2:1');
    assert.equal(refundedOrderId({ payment_id: null, payment_session_id: null, attempt_key: null, attempt_intent_id: null }), undefined);
  });
});

function uppercaseSha(sent: string[]): string {
  return sha256(sent.map(sha256).join('&')).toUpperCase();
}
