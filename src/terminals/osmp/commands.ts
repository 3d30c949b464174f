import { findTerminalTransaction, type TerminalTransactionRow } from '../../db/terminal-transactions.js';
import { identificationChannel } from '../../identification/settings.js';
import { type IdentifiedPayer, type IdentifyPayer, matchNote } from '../../identification/types.js';
import type { GatewayMode } from '../../gateways/settings.js';
import type { InboundOutcome } from '../../db/inbound-requests.js';
import type { TerminalSettings } from '../settings.js';
import { payFromTerminal } from '../pay.js';
import type { OsmpAnswer } from './xml.js';
import { formatOsmpSum, OSMP_RESULTS, type OsmpRequest, type OsmpResultName, RESULT_FOR_LOOKUP } from './protocol.js';

type PayDeps = Parameters<typeof payFromTerminal>[0];
export type OsmpDeps = PayDeps & { identifyPayer: IdentifyPayer | undefined };

/** An answer and what its journal row records ('accepted' is written by the pay's own transaction). */
export interface OsmpOutcome {
  answer: OsmpAnswer;
  journal: { outcome: Exclude<InboundOutcome, 'accepted'>; detail: string } | null;
}

const COMMENTS: Readonly<Record<OsmpResultName, string>> = {
  ok: 'OK',
  temporary: 'temporary error, try again later',
  bad_account_format: 'bad account format',
  account_not_found: 'account not found',
  forbidden: 'payment forbidden',
  technical: 'payment forbidden for technical reasons',
  account_not_active: 'account not active',
  not_completed: 'payment not completed',
  sum_too_small: 'sum too small',
  sum_too_large: 'sum too large',
  cannot_check: 'cannot check the account now',
  other: 'error',
};

export function refusalAnswer(txnId: string, result: OsmpResultName, comment = COMMENTS[result]): OsmpAnswer {
  return { osmpTxnId: txnId, result: OSMP_RESULTS[result], comment };
}

const UNKNOWN_CURRENCY = 'XXX';

type Verdict = { ok: true; payer: IdentifiedPayer } | { ok: false; result: OsmpResultName; comment: string };

/**
 * What check answers and pay refuses with, in the spec's order of concern: the network taking
 * payments, the account (4, 5, 243, 79), its currency, then the sum (241, 242). A pay runs the
 * same verdict, so a pay check would refuse is refused the same way.
 */
async function verdict(deps: OsmpDeps, terminal: TerminalSettings, req: OsmpRequest, typed: string): Promise<Verdict> {
  const no = (result: OsmpResultName, comment = COMMENTS[result]): Verdict => ({ ok: false, result, comment });
  if (!terminal.enabled) return no('forbidden', 'this terminal network takes no payments now');
  // No identification wired into this process: nothing can be checked, and the terminal may retry.
  if (!deps.identifyPayer) return no('cannot_check');
  const lookup = await deps.identifyPayer(identificationChannel(terminal.name, terminal.identification, terminal.minAmount), typed);
  if (!lookup.found) return no(RESULT_FOR_LOOKUP[lookup.reason]);
  if (!lookup.active) return no('account_not_active');
  // 'XXX' (ISO 4217 "no currency"): nobody told us the account's currency (identify.ts), so nothing to refuse on.
  if (lookup.currency !== UNKNOWN_CURRENCY && lookup.currency !== terminal.currency) return no('forbidden', `the account is kept in ${lookup.currency}, this network pays ${terminal.currency}`);
  if (req.sumMinor !== null && req.sumMinor < terminal.minAmount) return no('sum_too_small', `${COMMENTS.sum_too_small}: at least ${formatOsmpSum(terminal.minAmount, terminal.currency)}`);
  if (req.sumMinor !== null && req.sumMinor > terminal.maxAmount) return no('sum_too_large', `${COMMENTS.sum_too_large}: at most ${formatOsmpSum(terminal.maxAmount, terminal.currency)}`);
  return { ok: true, payer: lookup };
}

/**
 * What a check shows the payer, as ABillS terminals do (FIO_HIDDEN and the balance): the masked
 * name only, never the whole one, and the balance when the billing system told it. The verdict let
 * only the network's currency (or an unknown one) through, so the balance is written in it.
 */
export function payerFields(payer: IdentifiedPayer, terminal: TerminalSettings): Array<{ name: string; value: string }> {
  const fields = [{ name: 'fio', value: payer.maskedName }];
  if (payer.balanceMinor !== null) fields.push({ name: 'balance', value: formatOsmpSum(payer.balanceMinor, terminal.currency) });
  return fields;
}

/**
 * check and pay for one parsed request, its journal row already committed (journalId). `typed`
 * is what is looked up: the request's account, or a test address's test_account.
 */
export async function runOsmp(
  deps: OsmpDeps,
  terminal: TerminalSettings,
  req: OsmpRequest,
  ctx: { journalId: bigint; mode: GatewayMode; typed: string },
): Promise<OsmpOutcome> {
  const refused = (v: Extract<Verdict, { ok: false }>): OsmpOutcome => ({
    answer: refusalAnswer(req.txnId, v.result, v.comment),
    journal: { outcome: 'delivered', detail: `${req.command}: result ${OSMP_RESULTS[v.result]} (${v.comment})` },
  });
  if (req.command === 'check') {
    const v = await verdict(deps, terminal, req, ctx.typed);
    if (!v.ok) return refused(v);
    return { answer: { ...refusalAnswer(req.txnId, 'ok'), fields: payerFields(v.payer, terminal) }, journal: { outcome: 'delivered', detail: `check: result 0 (${matchNote(v.payer)})` } };
  }
  // A repeat answers what the first pay was answered, whatever the account is today. The verdict
  // comes first all the same: a repeat is rare, so the stored pay is read only when the verdict
  // refuses or the insert finds the txn_id taken — one query fewer on every first pay.
  const v = await verdict(deps, terminal, req, ctx.typed);
  if (!v.ok) {
    const stored = await findTerminalTransaction(deps.pool, terminal.name, ctx.mode, req.txnId);
    return stored ? repeatOf(stored, terminal, req, ctx.mode) : refused(v);
  }
  if (!req.txnDate || req.sumMinor === null) throw new Error('a parsed pay has a txn_date and a sum');
  const paid = await payFromTerminal(deps, terminal, {
    txnId: req.txnId,
    account: req.account,
    accountKind: v.payer.kind,
    customerId: v.payer.customerId,
    sumMinor: req.sumMinor,
    txnDate: req.txnDate,
    mode: ctx.mode,
    journalId: ctx.journalId,
  });
  if (paid.kind === 'repeat') {
    const first = await findTerminalTransaction(deps.pool, terminal.name, ctx.mode, req.txnId);
    if (!first) throw new Error(`txn_id ${req.txnId}: a repeat without its first pay`);
    return repeatOf(first, terminal, req, ctx.mode);
  }
  const row = paid.row;
  return { answer: { osmpTxnId: req.txnId, prvTxn: row.prv_txn.toString(), sum: formatOsmpSum(row.sum_minor, row.currency), result: 0, comment: COMMENTS.ok }, journal: null };
}

type StoredPay = Pick<TerminalTransactionRow, 'prv_txn' | 'sum_minor' | 'currency' | 'txn_id' | 'payment_id' | 'account' | 'mode'>;

/** How a pay differs from the stored one of its txn_id: empty for a true repeat. */
export function repeatMismatch(stored: StoredPay, req: Pick<OsmpRequest, 'account' | 'sumMinor'>, mode: GatewayMode): string[] {
  const differs: string[] = [];
  if (stored.mode !== mode) differs.push(`mode ${mode}, stored ${stored.mode}`);
  if (req.sumMinor !== stored.sum_minor) differs.push(`sum ${req.sumMinor === null ? 'none' : formatOsmpSum(req.sumMinor, stored.currency)}, stored ${formatOsmpSum(stored.sum_minor, stored.currency)}`);
  if (req.account !== stored.account) differs.push('another account');
  return differs;
}

/**
 * A pay of a txn_id already paid. The same pay again (the terminal did not see our answer) is
 * answered what the first was. A pay that differs in sum or account is not a repeat: answering it
 * 0 would tell the network its cash was credited when nothing was, so it is refused (300, fatal:
 * the network stops and its operator looks) and journaled as such; nothing is paid.
 */
function repeatOf(stored: StoredPay, terminal: TerminalSettings, req: OsmpRequest, mode: GatewayMode): OsmpOutcome {
  const differs = repeatMismatch(stored, req, mode);
  if (differs.length > 0) {
    const comment = `txn_id ${stored.txn_id} was used for another payment`;
    return {
      answer: refusalAnswer(req.txnId, 'other', comment),
      journal: { outcome: 'rejected_malformed', detail: `pay: result 300 (${comment}: prv_txn ${stored.prv_txn}, payment ${stored.payment_id}; ${differs.join('; ')})` },
    };
  }
  return {
    answer: { osmpTxnId: stored.txn_id, prvTxn: stored.prv_txn.toString(), sum: formatOsmpSum(stored.sum_minor, stored.currency), result: 0, comment: COMMENTS.ok },
    journal: { outcome: 'duplicate', detail: `repeat of ${terminal.name} txn_id ${stored.txn_id}: prv_txn ${stored.prv_txn}, payment ${stored.payment_id}` },
  };
}
