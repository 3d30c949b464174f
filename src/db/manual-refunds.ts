import type { Queryable } from './pool.js';

/** The bank-statement line that paid a payment (directly, or through its temporary payment). */
export interface PayingLine {
  id: string;
  /** The payer's name as the statement gives it (camt Dbtr/Nm, MT940 ?32/?33, a CSV column). */
  counterparty: string | null;
  /** The payer's account as it gives it (camt DbtrAcct, MT940 ?31, ~38, /CNTP/, a CSV column). */
  counterparty_account: string | null;
}

/** A deferred payment's temporary payment, as far as a refund cares. */
export interface TemporaryState {
  status: 'open' | 'settled';
  settled_reason: 'bank' | 'manual' | 'expired' | null;
}

/** The line matched to a bank-transfer payment, if any. */
export async function lineMatchedToPayment(db: Queryable, paymentId: string): Promise<PayingLine | undefined> {
  const res = await db.query<PayingLine>({
    text: "SELECT id, counterparty, counterparty_account FROM bank_lines WHERE payment_id = $1 AND outcome = 'matched' LIMIT 1",
    values: [paymentId],
  });
  return res.rows[0];
}

/** A deferred payment's temporary payment and the line that settled it, if one did. */
export async function temporaryOfPayment(db: Queryable, paymentId: string): Promise<{ temporary: TemporaryState; line: PayingLine | undefined } | undefined> {
  const res = await db.query<TemporaryState & { line_id: string | null; counterparty: string | null; counterparty_account: string | null }>({
    text: `SELECT t.status, t.settled_reason, l.id AS line_id, l.counterparty, l.counterparty_account
             FROM temporary_payments t
             LEFT JOIN bank_lines l ON l.temporary_payment_id = t.id AND l.outcome = 'matched'
            WHERE t.payment_id = $1 LIMIT 1`,
    values: [paymentId],
  });
  const r = res.rows[0];
  if (!r) return undefined;
  const line = r.line_id ? { id: r.line_id, counterparty: r.counterparty, counterparty_account: r.counterparty_account } : undefined;
  return { temporary: { status: r.status, settled_reason: r.settled_reason }, line };
}
