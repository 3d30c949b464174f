import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { insertCustomer } from '../../src/db/customers.js';
import { newId } from '../../src/db/ids.js';
import { completePendingPayment, insertCreatedPayment, type PaymentRow } from '../../src/db/payments.js';
import { inTransaction } from '../../src/db/pool.js';
import { createRefund, lockRefundTarget, type RefundRow } from '../../src/db/refunds.js';
import { recordCheckout } from '../../src/gateways/sandbox/checkouts.js';
import type { GatewaySettings } from '../../src/gateways/settings.js';

/** A sandbox gateway's settings as the gateways file would give them (test mode, refunds by itself). */
export function sandboxSettings(name = 'sandbox'): GatewaySettings {
  return {
    name, adapter: 'sandbox', label: 'Card (sandbox)', enabled: true, mode: 'test', settlement: 'immediate', paymentExpiration: 5,
    paymentExpirationMs: 5 * 86_400_000, secrets: { test: 'whsec_refund_tests' }, callbackAllowlist: [], minAmount: 1n,
    maxAmount: 100_000_000n, currencies: null, recurring: null, paymentTtlMs: 3_600_000, account: null, lateSuccess: 'refund',
  };
}

/**
 * A payment the sandbox captured: its hosted checkout's verdict is in the sandbox's books with a
 * transaction id, and the payment is succeeded with that id — as the approve button leaves it.
 */
export async function capturedSandboxPayment(pool: pg.Pool, amountMinor: bigint, gateway = 'sandbox'): Promise<PaymentRow> {
  const customerId = newId('cus');
  await insertCustomer(pool, { id: customerId, externalRef: `ext-${randomUUID()}`, name: 'Jan Kowalski', email: null });
  const id = newId('pay');
  await insertCreatedPayment(pool, {
    id, customerId, amountMinor, currency: 'PLN', gateway, mode: 'test', description: 'refund test', reference: `R${randomUUID().slice(0, 20)}`,
    expiresAt: new Date(Date.now() + 3_600_000), adapter: 'sandbox', settlement: 'immediate', paymentExpirationMs: null, lateSuccess: 'refund',
  });
  const transactionId = `sbx_txn_${randomUUID()}`;
  await recordCheckout(pool, { payment_id: id, outcome: 'succeeded', code: '00', message: 'Approved', transaction_id: transactionId, callback_sent: true });
  const done = await completePendingPayment(pool, id, { status: 'succeeded', gatewayTransactionId: transactionId, code: '00' });
  if (!done) throw new Error(`payment ${id} did not complete`);
  return done;
}

/** A refund of a payment as the API creates it (workflow marked started: the test starts it itself). */
export function refundOf(pool: pg.Pool, paymentId: string, amountMinor?: bigint): Promise<RefundRow> {
  return inTransaction(pool, async (tx) => {
    const target = await lockRefundTarget(tx, { paymentId });
    if (!target) throw new Error(`no payment ${paymentId}`);
    return createRefund(tx, target, { amountMinor, reason: 'test', requestedBy: 'test', allowPartial: true, workflowStarted: true });
  });
}
