import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import { type ChargeRequest, type ChargeResult, GatewayTimeoutError } from '../types.js';
import { ledgerVerdict, SANDBOX_RESPONSE_CODES } from './codes.js';
import { bookCharge, countSoftDeclines, findBooking, type SandboxLedgerRow } from './ledger.js';

/**
 * The sandbox's card-network test tokens for recurring charges:
 *   sandbox_approve                 approves
 *   sandbox_soft_decline_<n>        declines softly (51, insufficient funds) n times, then approves
 *   sandbox_hard_decline            declines hard (43, stolen card)
 *   sandbox_technical_error         the processor fails (96) — nothing reaches the bank
 *   sandbox_timeout_then_succeeded  the bank approves but the answer never arrives (timeout)
 *   sandbox_expiring_<YYYY-MM>      approves; the card expires at the end of that month
 *   sandbox_slow_approve            approves, but answers only after 3 seconds (a slow processor)
 *   sandbox_authentication_required the issuer asks for strong customer authentication (SCA, 1A):
 *                                   booked as not approved, no money moved; the customer must pay
 *                                   on-session (the subscription's payment link)
 * Any other token is refused as an invalid card (hard decline, 14).
 */
export type TokenBehaviour =
  | { kind: 'approve' }
  | { kind: 'soft_decline'; times: number }
  | { kind: 'hard_decline'; code: '43' | '14' }
  | { kind: 'technical_error' }
  | { kind: 'authentication_required' }
  | { kind: 'timeout_then_succeeded' }
  | { kind: 'slow_approve'; delayMs: number };

export function tokenBehaviour(token: string): TokenBehaviour {
  if (token === 'sandbox_approve' || /^sandbox_expiring_\d{4}-\d{2}$/.test(token)) return { kind: 'approve' };
  const soft = /^sandbox_soft_decline_(\d{1,3})$/.exec(token);
  if (soft) return { kind: 'soft_decline', times: Number(soft[1]) };
  if (token === 'sandbox_hard_decline') return { kind: 'hard_decline', code: '43' };
  if (token === 'sandbox_technical_error') return { kind: 'technical_error' };
  if (token === 'sandbox_authentication_required') return { kind: 'authentication_required' };
  if (token === 'sandbox_timeout_then_succeeded') return { kind: 'timeout_then_succeeded' };
  if (token === 'sandbox_slow_approve') return { kind: 'slow_approve', delayMs: 3000 };
  return { kind: 'hard_decline', code: '14' };
}

/** The expiry a sandbox_expiring_<YYYY-MM> token implies, if any. */
export function tokenExpiry(token: string): string | undefined {
  return /^sandbox_expiring_(\d{4}-\d{2})$/.exec(token)?.[1];
}

const APPROVED = ledgerVerdict('00');
const SOFT = ledgerVerdict('51');
const AUTHENTICATE = ledgerVerdict('1A');

function resultOf(row: SandboxLedgerRow): ChargeResult {
  return {
    outcome: row.outcome === 'approved' ? 'success' : row.outcome,
    code: row.code,
    message: row.message,
    transactionId: row.transaction_id,
  };
}

/** The subscription part of `<subscriptionId>:<period>:<attempt>`, so decline counts stay per subscription. */
function keyPrefix(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i + 1);
}

/**
 * Charges once per idempotency key, as a processor with idempotency keys does: a repeat of a key
 * is answered at once from the books, as first booked (no second decline count, timeout or delay).
 * The booking is tried first — one round trip for a new key — and is a repeat when the row it
 * returns is not the one it tried to write (another transaction id).
 */
export async function sandboxCharge(db: Queryable, req: ChargeRequest): Promise<ChargeResult> {
  const behaviour = tokenBehaviour(req.token);
  if (behaviour.kind === 'technical_error') {
    // Nothing of this token reaches the bank; a key booked before is still answered from the books.
    const existing = await findBooking(db, req.idempotencyKey);
    return existing ? resultOf(existing) : { ...SANDBOX_RESPONSE_CODES['96'], code: '96' };
  }
  let verdict: { outcome: SandboxLedgerRow['outcome']; code: string; message: string } = APPROVED;
  if (behaviour.kind === 'hard_decline') verdict = ledgerVerdict(behaviour.code);
  if (behaviour.kind === 'authentication_required') verdict = AUTHENTICATE;
  if (behaviour.kind === 'soft_decline' && (await countSoftDeclines(db, req.token, keyPrefix(req.idempotencyKey))) < behaviour.times) {
    verdict = SOFT;
  }
  const transactionId = `sbx_txn_${randomUUID()}`;
  const booked = await bookCharge(db, {
    idempotency_key: req.idempotencyKey,
    token: req.token,
    amount_minor: req.amountMinor,
    currency: req.currency,
    ...verdict,
    transaction_id: transactionId,
    mode: req.mode,
  });
  if (booked.transaction_id !== transactionId) return resultOf(booked);
  if (behaviour.kind === 'timeout_then_succeeded') throw new GatewayTimeoutError('sandbox: the processor did not answer in time');
  if (behaviour.kind === 'slow_approve') await new Promise((r) => setTimeout(r, behaviour.delayMs));
  return resultOf(booked);
}

export async function sandboxChargeStatus(db: Queryable, key: string): Promise<ChargeResult | undefined> {
  const row = await findBooking(db, key);
  return row ? resultOf(row) : undefined;
}
