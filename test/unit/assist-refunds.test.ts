import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelFields, movedByThisCancel, readCancelAnswer } from '../../src/gateways/assist/refunds.js';

/**
 * Assist's cancel web service ("Cancel", https://docs.belassist.by/pages/viewpage.action?pageId=19071203):
 * the request's own fields, and its answer read by the rule the page gives — AS000, firstcode and
 * secondcode 0, order Canceled or PartialCanceled is a success; AS100–AS998 is not; a non-zero
 * firstcode/secondcode is a request that could not be processed.
 */
type Answer = Parameters<typeof readCancelAnswer>[0];
const answer = (order: Record<string, string>, operations: Array<Record<string, string>>, codes: [string, string] = ['0', '0']): Answer => ({
  ok: true, firstcode: codes[0], secondcode: codes[1], orders: [order], operations: [operations],
});

describe('assist refunds (cancel.cfm)', () => {
  it('sends Billnumber with Amount and Currency together, the amount in two decimals', () => {
    assert.deepEqual(cancelFields('500000210031071', 401_000n, 'BYN'), { Billnumber: '500000210031071', Amount: '4010.00', Currency: 'BYN' });
    assert.deepEqual(cancelFields('500000210031071', 5n, 'RUB'), { Billnumber: '500000210031071', Amount: '0.05', Currency: 'RUB' });
    assert.throws(() => cancelFields('1', 0n, 'RUB'), /positive amounts only/);
  });

  it('reads the documented example (order Canceled, its cancel operation Success with AS000) as a success', () => {
    // The fields of the page's WSCancelResponseParams example.
    const order = { billnumber: '500000210031071', ordernumber: '14092012-002', orderamount: '4010.00', ordercurrency: 'BYN', orderstate: 'Canceled' };
    const operation = { billnumber: '500000210031071.3', operationtype: '300', operationstate: 'Success', amount: '4010.00', currency: 'BYN', responsecode: 'AS000', customermessage: 'Success' };
    assert.deepEqual(readCancelAnswer(answer(order, [operation]), '500000210031071'), { status: 'succeeded', gatewayRefundId: '500000210031071.3', code: 'AS000', message: 'Success' });
    assert.equal(readCancelAnswer(answer({ ...order, orderstate: 'PartialCanceled' }, [operation]), '500000210031071').status, 'succeeded');
  });

  it('fails an AS100–AS998 operation and a request Assist could not process; anything else stays pending', () => {
    const order = { billnumber: '1', orderstate: 'Approved' };
    assert.deepEqual(readCancelAnswer(answer(order, [{ billnumber: '1.2', responsecode: 'AS100', message: 'Declined' }]), '1'), { status: 'failed', gatewayRefundId: '1.2', code: 'AS100', message: 'Declined' });
    assert.equal(readCancelAnswer(answer(order, [{ responsecode: 'AS998' }]), '1').status, 'failed');
    assert.deepEqual(readCancelAnswer(answer(order, [], ['5', '100']), '1'), { status: 'failed', code: 'assist_5_100', message: 'Assist could not process the cancellation (error 5/100)' });
    assert.equal(readCancelAnswer(answer(order, []), '1').status, 'pending', 'no cancel operation and the order not cancelled: not final');
    assert.equal(readCancelAnswer(answer({ ...order, orderstate: 'Canceled' }, [{ responsecode: 'AS999' }]), '1').status, 'pending', 'a code outside both ranges is not guessed');
  });

  it('takes an order’s move as the open cancellation’s only when nothing else can have made it', () => {
    assert.equal(movedByThisCancel('Approved', { state: 'PartialCanceled' }), true);
    assert.equal(movedByThisCancel('Approved', { state: 'Canceled' }), true);
    assert.equal(movedByThisCancel('PartialCanceled', { state: 'Canceled' }), true);
    assert.equal(movedByThisCancel('PartialCanceled', { state: 'PartialCanceled' }), false, 'an earlier part or this one: cannot be told');
    assert.equal(movedByThisCancel('Approved', { state: 'Approved' }), false);
  });
});
