import type { Queryable } from '../../db/pool.js';

/** A verdict given on the sandbox's hosted checkout page: what the pretend processor knows. */
export interface SandboxCheckoutRow {
  payment_id: string;
  outcome: 'succeeded' | 'failed';
  code: string;
  message: string;
  transaction_id: string;
  callback_sent: boolean;
  created_at: Date;
}

/** Records the payer's verdict once; a second click returns the first verdict. */
export async function recordCheckout(db: Queryable, row: Omit<SandboxCheckoutRow, 'created_at'>): Promise<SandboxCheckoutRow> {
  await db.query({
    text: `INSERT INTO sandbox_checkouts (payment_id, outcome, code, message, transaction_id, callback_sent)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (payment_id) DO NOTHING`,
    values: [row.payment_id, row.outcome, row.code, row.message, row.transaction_id, row.callback_sent],
  });
  const first = await findCheckout(db, row.payment_id);
  if (!first) throw new Error(`sandbox lost the checkout of ${row.payment_id}`);
  return first;
}

export async function findCheckout(db: Queryable, paymentId: string): Promise<SandboxCheckoutRow | undefined> {
  const res = await db.query<SandboxCheckoutRow>({
    text: `SELECT payment_id, outcome, code, message, transaction_id, callback_sent, created_at
             FROM sandbox_checkouts WHERE payment_id = $1`,
    values: [paymentId],
  });
  return res.rows[0];
}
