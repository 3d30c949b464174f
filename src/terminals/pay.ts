import type pg from 'pg';
import type { GatewayOutcome } from '../domain/payment.js';
import { newId } from '../db/ids.js';
import { insertCreatedPayment, type PaymentRow } from '../db/payments.js';
import { inTransaction, type Queryable } from '../db/pool.js';
import { insertTerminalTransaction, type TerminalTransactionRow } from '../db/terminal-transactions.js';
import type { GatewayMode } from '../gateways/settings.js';
import type { IdentifierKind } from '../identification/types.js';
import type { CallbackDispatcher } from '../relay/callback-dispatch.js';
import { freshReference } from '../api/payments/create-payment.js';
import { completeIn } from '../activities/payments.js';
import type { RateSettings } from '../activities/payment-conversion.js';
import type { TerminalSettings } from './settings.js';

export interface TerminalPay {
  txnId: string;
  account: string;
  accountKind: IdentifierKind;
  customerId: string;
  sumMinor: bigint;
  txnDate: { local: string; at: Date };
  mode: GatewayMode;
  journalId: bigint;
}

export type TerminalPayResult = { kind: 'paid'; row: TerminalTransactionRow } | { kind: 'repeat' };

/** Thrown inside the transaction when a concurrent pay of the same txn_id committed first: roll back, answer the stored row. */
class RepeatedPay extends Error {}

/**
 * One pay that has already succeeded at the terminal, as a payment: in one transaction the
 * terminal_transactions row (unique on the network's txn_id, written first so a concurrent repeat
 * waits on it) with the journal row marked in the same statement, and the payment with its
 * `payment.created` event.
 *
 * A network that settles at once: the payment is completed in that same transaction, as its
 * workflow's recordPaymentOutcome would complete it (completeIn: payment.succeeded, the currency
 * conversion), so the ledger says succeeded exactly when the terminal is told result 0, and no
 * workflow is started — a payment born succeeded has nothing to wait for, and a workflow start per
 * pay is what a terminal burst cost Temporal (README, bench:terminals). Its e-mails and webhooks
 * come from its events, as every payment's do.
 *
 * A deferred network (its money reaches the bank later): the payment is pending at the commit and
 * the success reaches `payment:<id>` the way a gateway callback's does, through the dispatcher, else
 * the relay (Temporal away), which start the workflow with it (signal-with-start,
 * src/temporal/terminal-start.ts); that workflow opens the temporary payment. An outage of Temporal
 * delays it without refusing the pay.
 */
export async function payFromTerminal(
  deps: { pool: pg.Pool; callbackDispatch: CallbackDispatcher; now: () => Date; rates: RateSettings },
  terminal: TerminalSettings,
  pay: TerminalPay,
): Promise<TerminalPayResult> {
  const outcome: GatewayOutcome = { status: 'succeeded', gatewayTransactionId: pay.txnId, code: 'osmp_pay', message: `${terminal.name} txn_id ${pay.txnId}` };
  const completesItself = terminal.settlement === 'immediate';
  const slot = completesItself ? undefined : await deps.callbackDispatch.reserve();
  let result: TerminalPayResult;
  try {
    result = await inTransaction(deps.pool, async (tx) => {
      const paymentId = newId('pay');
      const row = await insertTerminalTransaction(tx, {
        gateway: terminal.name,
        txnId: pay.txnId,
        account: pay.account,
        accountKind: pay.accountKind,
        customerId: pay.customerId,
        sumMinor: pay.sumMinor,
        currency: terminal.currency,
        txnDateLocal: pay.txnDate.local,
        txnAt: pay.txnDate.at,
        paymentId,
        mode: pay.mode,
        journalId: pay.journalId,
      }, completesItself ? { signal: null, detailTail: ', payment succeeded' } : { signal: { kind: 'payment', outcome }, detailTail: '' });
      if (!row) throw new RepeatedPay();
      await insertTerminalPayment(tx, terminal, pay, paymentId, deps.now());
      if (completesItself) {
        const { status: _succeeded, ...rest } = outcome;
        await completeIn(tx, paymentId, { ...rest, status: 'succeeded' }, {}, deps.rates);
      }
      return { kind: 'paid', row };
    });
  } catch (err) {
    slot?.release();
    if (err instanceof RepeatedPay) return { kind: 'repeat' };
    throw err;
  }
  if (!slot) return result;
  if (result.kind === 'paid') slot.dispatch({ journalId: pay.journalId, delivery: { kind: 'payment', paymentId: result.row.payment_id, outcome, start: true } });
  else slot.release();
  return result;
}

/**
 * The payment, its reference the network's txn_id — what a settlement statement line of the
 * network carries, so a deferred network's temporary payment settles from it (src/statements).
 * Another payment may hold that reference already (another network's txn_id, a caller's own): then
 * a fresh one, and the txn_id stays on the payment as its gateway_transaction_id. A test pay always
 * gets a fresh one: no bank statement carries its money, and a test pay that took a txn_id first
 * would leave the live pay of the same txn_id (test and live ids are apart) without the reference
 * its statement line carries.
 */
async function insertTerminalPayment(tx: Queryable, terminal: TerminalSettings, pay: TerminalPay, id: string, now: Date): Promise<PaymentRow> {
  const insert = (reference: string) =>
    insertCreatedPayment(tx, {
      id,
      customerId: pay.customerId,
      amountMinor: pay.sumMinor,
      currency: terminal.currency,
      gateway: terminal.name,
      mode: pay.mode,
      description: `${terminal.label}: terminal payment ${pay.txnId}`,
      reference,
      expiresAt: new Date(now.getTime() + terminal.paymentTtlMs),
      adapter: terminal.adapter,
      settlement: terminal.settlement,
      paymentExpirationMs: terminal.paymentExpirationMs,
      // A terminal has taken the money in cash: nothing here can refund it by itself.
      lateSuccess: 'keep',
    });
  const row = (pay.mode === 'live' ? await insert(pay.txnId) : undefined) ?? (await insert(await freshReference(tx)));
  if (!row) throw new Error(`payment ${id}: no free reference`);
  return row;
}
