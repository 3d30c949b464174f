import type { IdentifierKind } from '../identification/types.js';
import type { GatewayMode } from '../gateways/settings.js';
import type { StoredSignal } from '../relay/delivery.js';
import type { Queryable } from './pool.js';

/** A pay a terminal network made (migration 0026). */
export interface TerminalTransactionRow {
  prv_txn: bigint;
  gateway: string;
  txn_id: string;
  account: string;
  account_kind: IdentifierKind;
  customer_id: string;
  sum_minor: bigint;
  currency: string;
  txn_date_local: string;
  txn_at: Date;
  result: number;
  payment_id: string;
  mode: GatewayMode;
  journal_id: bigint;
  created_at: Date;
}

export interface NewTerminalTransaction {
  gateway: string;
  txnId: string;
  account: string;
  accountKind: IdentifierKind;
  customerId: string;
  sumMinor: bigint;
  currency: string;
  txnDateLocal: string;
  txnAt: Date;
  paymentId: string;
  mode: GatewayMode;
  journalId: bigint;
}

const COLUMNS = `prv_txn, gateway, txn_id, account, account_kind, customer_id, sum_minor, currency, txn_date_local, txn_at,
                 result, payment_id, mode, journal_id, created_at`;

/**
 * Inserts the pay unless the network's txn_id is already there in this mode. A concurrent pay of the same
 * txn_id waits on the unique index until the first commits, then inserts nothing: undefined
 * means "a repeat", and the caller reads the stored row (findTerminalTransaction).
 *
 * The same statement marks the pay's journal row for the payment it makes, only when the insert
 * did (the UPDATE reads the INSERT's row). With the success signal the dispatcher (and, should it
 * fail, the relay) delivers to `payment:<id>`, the row is 'accepted' — the columns a gateway
 * callback's row carries (src/db/callback-journal.ts), so the relay needs nothing new. Without one
 * (a payment the pay completes itself, src/terminals/pay.ts) it is 'delivered' at once. Its detail
 * is `pay: prv_txn <n>` and `detailTail`. It runs in the pay's transaction, so the row is marked
 * exactly when the payment exists; one statement rather than two because every round trip is a
 * syscall-priced write to Postgres that a terminal burst waits behind (bench:terminals).
 */
export async function insertTerminalTransaction(
  db: Queryable,
  t: NewTerminalTransaction,
  journal: { signal: StoredSignal | null; detailTail: string },
): Promise<TerminalTransactionRow | undefined> {
  const res = await db.query<TerminalTransactionRow>({
    name: 'insert-terminal-transaction',
    text: `WITH paid AS (
             INSERT INTO terminal_transactions (gateway, txn_id, account, account_kind, customer_id, sum_minor, currency,
                                                txn_date_local, txn_at, result, payment_id, mode, journal_id)
             VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9::timestamptz, 0, $10, $11, $12::bigint)
             ON CONFLICT (gateway, mode, txn_id) DO NOTHING
             RETURNING ${COLUMNS}
           ), marked AS (
             UPDATE inbound_requests j
                SET outcome = CASE WHEN $13::jsonb IS NULL THEN 'delivered' ELSE 'accepted' END,
                    payment_id = paid.payment_id, target_kind = 'payment', target_id = paid.payment_id, signal = $13::jsonb,
                    outcome_detail = 'pay: prv_txn ' || paid.prv_txn || $14::text, decided_at = now(),
                    delivered_at = CASE WHEN $13::jsonb IS NULL THEN now() END
               FROM paid
              WHERE j.id = paid.journal_id AND j.outcome = 'received'
           )
           SELECT * FROM paid`,
    values: [
      t.gateway, t.txnId, t.account, t.accountKind, t.customerId, t.sumMinor.toString(), t.currency, t.txnDateLocal, t.txnAt, t.paymentId, t.mode, t.journalId.toString(),
      journal.signal === null ? null : JSON.stringify(journal.signal), journal.detailTail,
    ],
  });
  return res.rows[0];
}

/** The pay of this txn_id in this mode: test and live txn_ids are apart (migration 0026). */
export async function findTerminalTransaction(db: Queryable, gateway: string, mode: GatewayMode, txnId: string): Promise<TerminalTransactionRow | undefined> {
  const res = await db.query<TerminalTransactionRow>({
    text: `SELECT ${COLUMNS} FROM terminal_transactions WHERE gateway = $1 AND mode = $2 AND txn_id = $3`,
    values: [gateway, mode, txnId],
  });
  return res.rows[0];
}

/**
 * Terminal pays, newest first (by prv_txn, the order they were paid), for an operator or the
 * billing system answering "what became of txn_id …?". A txn_id with its gateway is found in both
 * modes through the (gateway, mode, txn_id) key (the route requires the gateway with it), a
 * customer through its own index; with neither, the primary key is read newest first.
 */
export async function listTerminalTransactions(
  db: Queryable,
  f: { gateway?: string | undefined; txnId?: string | undefined; customerId?: string | undefined; mode?: GatewayMode | undefined; beforePrvTxn?: bigint | undefined; limit: number },
): Promise<TerminalTransactionRow[]> {
  const res = await db.query<TerminalTransactionRow>({
    text: `SELECT ${COLUMNS} FROM terminal_transactions
            WHERE ($1::text IS NULL OR gateway = $1::text)
              AND ($2::text IS NULL OR txn_id = $2::text)
              AND ($3::text IS NULL OR customer_id = $3::text)
              AND mode = ANY(CASE WHEN $4::text IS NULL THEN ARRAY['test', 'live'] ELSE ARRAY[$4::text] END)
              AND ($5::bigint IS NULL OR prv_txn < $5::bigint)
            ORDER BY prv_txn DESC LIMIT $6`,
    values: [f.gateway ?? null, f.txnId ?? null, f.customerId ?? null, f.mode ?? null, f.beforePrvTxn?.toString() ?? null, f.limit],
  });
  return res.rows;
}
