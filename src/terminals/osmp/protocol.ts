import { ValidationError } from '../../domain/errors.js';
import { currencyExponent, formatDecimal, parseDecimal } from '../../domain/money.js';
import { daysInMonth, type LocalDateTime, zonedToInstant } from '../../domain/zoned-time.js';
import type { PayerLookup } from '../../identification/types.js';

/**
 * The OSMP (QIWI) online protocol for providers, as a terminal network speaks it. Spec: QIWI
 * (ОСМП), «Протокол взаимодействия с провайдерами», sections "Параметры запроса" and "Коды
 * завершения"; the parameter rules restated by Carbon Billing's OSMP page
 * (https://docs.carbonsoft.ru, "Сбербанк ЕПС, протокол 2. ОСМП": txn_id digits only, at most 20;
 * sum with a dot; txn_date in the payment system's time zone) and BGBilling's
 * (https://bgbilling.ru/v6.2/doc/ch20s02s01.html: result 4 for an account of the wrong format,
 * HTTP Basic authentication).
 */

/** "Коды завершения": every result this adapter answers. 1 is the only one a terminal retries by itself. */
export const OSMP_RESULTS = {
  ok: 0,
  temporary: 1,
  bad_account_format: 4,
  account_not_found: 5,
  forbidden: 7,
  technical: 8,
  account_not_active: 79,
  not_completed: 90,
  sum_too_small: 241,
  sum_too_large: 242,
  cannot_check: 243,
  other: 300,
} as const;
export type OsmpResultName = keyof typeof OSMP_RESULTS;
export type OsmpResult = (typeof OSMP_RESULTS)[OsmpResultName];

/** What a payer lookup that found no payable account answers (src/identification/types.ts). */
export const RESULT_FOR_LOOKUP = {
  format: 'bad_account_format',
  not_found: 'account_not_found',
  unavailable: 'cannot_check',
} as const satisfies Record<Extract<PayerLookup, { found: false }>['reason'], OsmpResultName>;

export type OsmpCommand = 'check' | 'pay';

export interface OsmpRequest {
  command: OsmpCommand;
  /** Without leading zeros: "007" and "7" are one transaction. */
  txnId: string;
  account: string;
  /** null in a check without a sum (or with 0): nothing to bound. */
  sumMinor: bigint | null;
  /** pay only: as written and the instant it means in the network's time zone. */
  txnDate: { local: string; at: Date } | null;
}

/**
 * Every request parameter the protocol defines ("Параметры запроса") and parseOsmpRequest reads:
 * the terminal journal keeps these values and redacts every other (src/api/terminals/journal-redaction.ts).
 */
export const OSMP_PARAMS = ['command', 'txn_id', 'account', 'sum', 'txn_date'] as const;
export type OsmpParam = (typeof OSMP_PARAMS)[number];

export type OsmpParse = { ok: true; request: OsmpRequest } | { ok: false; result: OsmpResultName; comment: string; txnId: string };

const TXN_ID = /^[0-9]{1,20}$/;
/** At most this many characters of an account are looked at (a phone, a contract, a login). */
export const MAX_ACCOUNT_LENGTH = 100;

/**
 * Reads check/pay parameters strictly. A missing or malformed txn_id, sum or txn_date is 300
 * (the spec names no narrower code); an empty or overlong account is 4. Typed by OSMP_PARAMS: a
 * parameter read here that the journal would redact does not compile.
 */
export function parseOsmpRequest(params: Readonly<Partial<Record<OsmpParam, string>>>, currency: string, timeZone: string): OsmpParse {
  const rawTxn = params.txn_id ?? '';
  const echo = rawTxn.slice(0, 20);
  const fail = (result: OsmpResultName, comment: string): OsmpParse => ({ ok: false, result, comment, txnId: echo });
  const command = params.command;
  if (command !== 'check' && command !== 'pay') return fail('other', 'command must be check or pay');
  if (!TXN_ID.test(rawTxn) || /^0+$/.test(rawTxn)) return fail('other', 'txn_id must be a positive number of at most 20 digits');
  const txnId = rawTxn.replace(/^0+/, '');
  const account = params.account ?? '';
  if (account === '' || account.length > MAX_ACCOUNT_LENGTH) return fail('bad_account_format', 'bad account format');
  const rawSum = params.sum;
  let sumMinor: bigint | null = null;
  if (rawSum !== undefined && rawSum !== '') {
    const sum = parseOsmpSum(rawSum, currency);
    if (sum === undefined) return fail('other', `sum must be a decimal with a dot and at most ${currencyExponent(currency)} non-zero decimals`);
    sumMinor = sum === 0n && command === 'check' ? null : sum;
  }
  if (command === 'pay' && (sumMinor === null || sumMinor === 0n)) return fail('other', 'pay needs a sum above zero');
  let txnDate: OsmpRequest['txnDate'] = null;
  if (command === 'pay') {
    const local = params.txn_date ?? '';
    const at = parseTxnDate(local, timeZone);
    if (!at) return fail('other', 'txn_date must be YYYYMMDDHHMMSS');
    txnDate = { local, at };
  }
  return { ok: true, request: { command, txnId, account, sumMinor, txnDate } };
}

/**
 * A sum as the protocol writes it: digits, optionally a dot and decimals ("10.45", "10.4", "10").
 * Digits beyond the currency's decimals are taken only when they are zeros ("100.00" in JPY,
 * "10.450" in RUB: networks often write two decimals whatever the currency); a non-zero one
 * ("10.451") names an amount no minor unit holds and is refused. A comma, a sign, an exponent or
 * spaces are refused: the spec's separator is the dot, and a sum read another way would pay
 * another amount. A well-formed sum of any size is read (bigint): one past every max_amount is
 * "Сумма слишком велика" (242, with the network's maximum), not a malformed request (300).
 */
export function parseOsmpSum(text: string, currency: string): bigint | undefined {
  // The protocol's shape first (the shared parser also takes a comma and a sign), then its arithmetic.
  // The length caps only bound the work: 40 digits are far past any max_amount (a safe integer).
  if (!/^[0-9]{1,40}(?:\.[0-9]{1,20})?$/.test(text)) return undefined;
  try {
    return parseDecimal(text, currency).minor;
  } catch (err) {
    if (err instanceof ValidationError) return undefined;
    throw err;
  }
}

/** The protocol's sum of minor units: "10.45" (a dot, the currency's decimals). */
export function formatOsmpSum(minor: bigint, currency: string): string {
  return formatDecimal({ minor, currency });
}

/**
 * txn_date: YYYYMMDDHHMMSS, the terminal network's own wall clock ("по часовому поясу платежной
 * системы"), read in its configured IANA time zone. An impossible date (Feb 30, 24:00) is refused.
 */
export function parseTxnDate(text: string, timeZone: string): Date | undefined {
  const m = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 2000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const local: LocalDateTime = { year, month, day, hour, minute, second };
  return new Date(zonedToInstant(local, timeZone));
}
