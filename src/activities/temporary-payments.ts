import type pg from 'pg';
import { matchedLineFor, unpairLine } from '../db/bank-statements.js';
import { appendEvent } from '../db/events.js';
import { newId } from '../db/ids.js';
import { findPayment } from '../db/payments.js';
import { inTransaction } from '../db/pool.js';
import {
  appendTemporaryHistory,
  findTemporaryPayment,
  insertTemporaryPayment,
  reopenTemporary,
  settleTemporary,
  type TemporaryPaymentRow,
} from '../db/temporary-payments.js';
import { toJsonMinor } from '../domain/money.js';
import type { TemporaryPaymentFields } from '../events/schemas/refund.js';
import { conversionOf } from '../db/payment-conversions.js';

export interface TemporaryActivityDeps {
  pool: pg.Pool;
}

export function temporaryPaymentJsonPayload(t: TemporaryPaymentRow): TemporaryPaymentFields {
  return {
    temporary_payment_id: t.id,
    payment_id: t.payment_id,
    customer_id: t.customer_id,
    amount: toJsonMinor(t.amount_minor),
    currency: t.currency,
    reference: t.reference,
    status: t.status,
    settled_reason: t.settled_reason,
    expires_at: t.expires_at?.toISOString() ?? null,
    bank_line_id: t.bank_line_id,
  };
}

/**
 * Temporary payments' writes. Each change is one transaction: the row, a history row and an event.
 * Every activity is idempotent, so a retry after a lost reply changes nothing twice.
 */
export function createTemporaryPaymentActivities(deps: TemporaryActivityDeps) {
  return {
    async createTemporaryPayment(input: { paymentId: string }) {
      return inTransaction(deps.pool, async (tx) => {
        const payment = await findPayment(tx, input.paymentId);
        if (!payment) throw new Error(`payment ${input.paymentId} does not exist`);
        if (payment.status !== 'succeeded') throw new Error(`payment ${input.paymentId} is ${payment.status}, not succeeded`);
        const ms = payment.payment_expiration_ms === null ? null : Number(payment.payment_expiration_ms);
        const completed = payment.completed_at ?? new Date();
        const { row, created } = await insertTemporaryPayment(tx, {
          id: newId('tmp'),
          paymentId: payment.id,
          customerId: payment.customer_id,
          amountMinor: payment.amount_minor,
          currency: payment.currency,
          reference: payment.reference,
          expirationMs: ms,
          expiresAt: ms === null ? null : new Date(completed.getTime() + ms),
        });
        if (created) {
          await appendTemporaryHistory(tx, { temporaryPaymentId: row.id, action: 'created', actor: 'payment', expiresAt: row.expires_at });
          // The billing system lifts the customer's cut-off on this event.
          await appendEvent(tx, { type: 'temporary_payment.created', aggregateType: 'temporary_payment', aggregateId: row.id, payload: { ...temporaryPaymentJsonPayload(row), ...(await conversionOf(tx, row.payment_id)) } });
        }
        return {
          id: row.id,
          customerId: row.customer_id,
          amountMinor: toJsonMinor(row.amount_minor),
          expiresAt: row.expires_at?.toISOString() ?? null,
          expirationMs: row.expiration_ms === null ? null : Number(row.expiration_ms),
        };
      });
    },

    /**
     * Settles the temporary payment and returns what it is afterwards (another settlement may have
     * come first). A statement line already matched to it wins over an expiry or a hand settlement
     * whose moment came while its signal was on the way: the row lock orders this against the
     * import's decision, so the bank's settlement is never lost.
     */
    async settleTemporaryPayment(input: { temporaryPaymentId: string; reason: 'bank' | 'manual' | 'expired'; lineId?: string; actor: string; note?: string | undefined }) {
      return inTransaction(deps.pool, async (tx) => {
        const before = await findTemporaryPayment(tx, input.temporaryPaymentId, { forUpdate: true });
        if (!before) throw new Error(`temporary payment ${input.temporaryPaymentId} does not exist`);
        let { reason, lineId, actor } = input;
        if (reason !== 'bank') {
          const line = await matchedLineFor(tx, { temporaryPaymentId: before.id });
          if (line) [reason, lineId, actor] = ['bank', line.id, 'bank_statement'];
        }
        const changed = await settleTemporary(tx, before.id, { reason, bankLineId: lineId ?? null });
        if (changed) {
          // A hand or expiry settlement the bank later pays is one settlement: the bank confirms it.
          const confirms = before.status === 'settled';
          await appendTemporaryHistory(tx, {
            temporaryPaymentId: changed.id,
            action: confirms ? 'bank_confirmed' : 'settled',
            reason: confirms ? `bank (was ${before.settled_reason ?? ''})` : input.note && reason === input.reason ? `${reason}: ${input.note}` : reason,
            actor,
            bankLineId: lineId ?? null,
          });
          const type = confirms ? 'temporary_payment.bank_confirmed' : 'temporary_payment.settled';
          await appendEvent(tx, { type, aggregateType: 'temporary_payment', aggregateId: changed.id, payload: { ...temporaryPaymentJsonPayload(changed), ...(await conversionOf(tx, changed.payment_id)) } });
        }
        const current = changed ?? before;
        return { status: current.status, settledReason: current.settled_reason, bankLineId: current.bank_line_id };
      });
    },

    /**
     * Reopens a settled temporary payment (BillTech: every settlement is reversible). A bank
     * settlement gives its line back (outcome not_found, to be paired again by hand). A hand or
     * expiry settlement that a statement line was matched to meanwhile is settled by the bank
     * instead: the line's signal is on its way, and the bank's word wins.
     */
    async unsettleTemporaryPayment(input: { temporaryPaymentId: string; expiresAt: string | null; actor: string; note?: string | undefined }) {
      return inTransaction(deps.pool, async (tx) => {
        const before = await findTemporaryPayment(tx, input.temporaryPaymentId, { forUpdate: true });
        if (!before) throw new Error(`temporary payment ${input.temporaryPaymentId} does not exist`);
        if (before.status === 'settled' && before.settled_reason === 'bank' && before.bank_line_id) {
          await unpairLine(tx, before.bank_line_id, `unpaired by hand when temporary payment ${before.id} was reopened${input.note ? `: ${input.note}` : ''}`);
        }
        const line = await matchedLineFor(tx, { temporaryPaymentId: before.id });
        if (line) {
          const confirmed = await settleTemporary(tx, before.id, { reason: 'bank', bankLineId: line.id });
          if (confirmed) {
            await appendTemporaryHistory(tx, { temporaryPaymentId: confirmed.id, action: 'bank_confirmed', reason: `bank (was ${before.settled_reason ?? ''})`, actor: 'bank_statement', bankLineId: line.id });
            await appendEvent(tx, { type: 'temporary_payment.bank_confirmed', aggregateType: 'temporary_payment', aggregateId: confirmed.id, payload: { ...temporaryPaymentJsonPayload(confirmed), ...(await conversionOf(tx, confirmed.payment_id)) } });
          }
          const now = confirmed ?? before;
          return { status: now.status, settledReason: now.settled_reason, bankLineId: now.bank_line_id };
        }
        const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
        const changed = await reopenTemporary(tx, input.temporaryPaymentId, expiresAt);
        if (changed) {
          await appendTemporaryHistory(tx, {
            temporaryPaymentId: changed.id,
            action: 'unsettled',
            reason: `reopened from ${before.settled_reason ?? ''}${input.note ? `: ${input.note}` : ''}`,
            actor: input.actor,
            expiresAt,
            bankLineId: before.settled_reason === 'bank' ? before.bank_line_id : null,
          });
          await appendEvent(tx, { type: 'temporary_payment.unsettled', aggregateType: 'temporary_payment', aggregateId: changed.id, payload: { ...temporaryPaymentJsonPayload(changed), ...(await conversionOf(tx, changed.payment_id)) } });
        }
        const current = await findTemporaryPayment(tx, input.temporaryPaymentId);
        if (!current) throw new Error(`temporary payment ${input.temporaryPaymentId} does not exist`);
        return { status: current.status, settledReason: current.settled_reason, bankLineId: current.bank_line_id };
      });
    },
  };
}
