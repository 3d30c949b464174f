import type { BankLineRow } from './bank-statements.js';
import { findPayment } from './payments.js';
import { takesBankMatch } from '../domain/statement-matching.js';
import type { Queryable } from './pool.js';
import { findTemporaryPayment } from './temporary-payments.js';

/**
 * Whether a matched line's target, whose workflow had ended before the match reached it, was
 * closed by this line (a retry), by something else (the match is demoted), or is still open (its
 * workflow is not running: tried again later).
 */
export async function matchTargetVerdict(db: Queryable, line: BankLineRow): Promise<'closed_by_this_line' | 'closed_by_other' | 'open'> {
  if (line.temporary_payment_id) {
    const t = await findTemporaryPayment(db, line.temporary_payment_id);
    // An expired one is revived by deliverMatch before this is asked.
    if (!t || takesBankMatch({ kind: 'temporary', status: t.status, settledReason: t.settled_reason })) return t ? 'open' : 'closed_by_other';
    return t.bank_line_id === line.id ? 'closed_by_this_line' : 'closed_by_other';
  }
  const p = line.payment_id ? await findPayment(db, line.payment_id) : undefined;
  if (!p) return 'closed_by_other';
  if (takesBankMatch({ kind: 'payment', status: p.status, adapter: p.adapter })) return 'open';
  return p.status === 'succeeded' && p.gateway_transaction_id === line.id ? 'closed_by_this_line' : 'closed_by_other';
}
