import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { sleep } from './wait.js';

/**
 * A terminal network's side of the OSMP (QIWI) provider protocol, written from the protocol
 * («Протокол взаимодействия с провайдерами»), not from Tollgate's code: a GET with command,
 * txn_id, account, sum (a dot decimal) and, for pay, txn_date (YYYYMMDDHHMMSS in the network's
 * time zone); the answer an XML document
 *
 *   <response><osmp_txn_id/><prv_txn/><sum/><result/><comment/></response>
 *
 * where result 0 is done, 1 is "temporary error, try later" and anything else is final. A terminal
 * sends a pay answered 1, or not answered at all, again with the same txn_id after a pause, until
 * it gets a final result; the provider must take such repeats as one payment.
 */

export interface OsmpNetwork {
  /** The path segment: /v1/terminals/<name>. */
  name: string;
  user: string;
  password: string;
  timeZone: string;
}

export type OsmpParams = { command: 'check'; txnId: string; account: string; sum: string } | { command: 'pay'; txnId: string; account: string; sum: string; txnDate: string };

/** One request and what came back: a protocol answer, something that is not one, or nothing. */
export type OsmpReply =
  | { kind: 'answer'; httpStatus: number; result: number; osmpTxnId: string; prvTxn: string | undefined; sum: string | undefined; comment: string }
  | { kind: 'broken'; httpStatus: number; why: string; body: string }
  | { kind: 'unanswered'; why: 'timeout' | 'connection' };

export interface OsmpAttempt {
  params: OsmpParams;
  api: string;
  sentAt: number;
  answeredAt: number;
  reply: OsmpReply;
}

const ANSWER_TAGS = new Set(['osmp_txn_id', 'prv_txn', 'sum', 'result', 'comment', 'fields']);
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, isArray: () => true });

/**
 * Reads an answer strictly: well-formed XML whose one root is <response>, only the protocol's
 * elements, each at most once, osmp_txn_id echoing what was sent, result a non-negative integer,
 * and on a pay answered 0 a prv_txn of digits and the sum that was sent.
 */
export function parseOsmpAnswer(httpStatus: number, contentType: string | null, body: string, sent: OsmpParams): OsmpReply {
  const broken = (why: string): OsmpReply => ({ kind: 'broken', httpStatus, why, body: body.slice(0, 500) });
  if (httpStatus !== 200) return broken(`HTTP ${httpStatus}`);
  if (!/^text\/xml\b/i.test(contentType ?? '')) return broken(`content-type ${contentType ?? 'none'}`);
  if (XMLValidator.validate(body) !== true) return broken('not well-formed XML');
  const doc = parser.parse(body) as Record<string, unknown>;
  const roots = Object.keys(doc).filter((k) => k !== '?xml');
  if (roots.length !== 1 || roots[0] !== 'response' || (doc.response as unknown[]).length !== 1) return broken(`root ${roots.join(',')}`);
  const response = (doc.response as Array<Record<string, unknown>>)[0]!;
  const text = (tag: string): string | undefined => {
    const v = response[tag] as unknown[] | undefined;
    if (v === undefined) return undefined;
    if (v.length !== 1 || typeof v[0] !== 'string') throw new Error(`<${tag}> more than once or not text`);
    return v[0];
  };
  try {
    // The indentation between elements is text of <response> itself; any other text is not the protocol's.
    const loose = response['#text'];
    if (loose !== undefined && (typeof loose !== 'string' || loose.trim() !== '')) return broken('text outside the elements');
    const unknown = Object.keys(response).filter((k) => k !== '#text' && !ANSWER_TAGS.has(k));
    if (unknown.length) return broken(`unknown elements ${unknown.join(',')}`);
    const result = text('result');
    if (result === undefined || !/^(0|[1-9][0-9]{0,3})$/.test(result)) return broken(`result ${String(result)}`);
    const osmpTxnId = text('osmp_txn_id');
    if (osmpTxnId !== sent.txnId) return broken(`osmp_txn_id ${String(osmpTxnId)}, sent ${sent.txnId}`);
    const prvTxn = text('prv_txn');
    const sum = text('sum');
    const comment = text('comment') ?? '';
    const n = Number(result);
    if (sent.command === 'pay' && n === 0) {
      if (prvTxn === undefined || !/^[1-9][0-9]{0,19}$/.test(prvTxn)) return broken(`pay answered 0 with prv_txn ${String(prvTxn)}`);
      if (sum !== sent.sum) return broken(`pay answered 0 with sum ${String(sum)}, sent ${sent.sum}`);
    }
    return { kind: 'answer', httpStatus, result: n, osmpTxnId, prvTxn, sum, comment };
  } catch (err) {
    return broken((err as Error).message);
  }
}

/** txn_date: the network's wall clock now, YYYYMMDDHHMMSS. */
export function osmpTxnDate(timeZone: string, at = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}`;
}

/** One request to one API, bounded by `timeoutMs`: a timeout or a refused or cut connection is unanswered. */
export async function osmpRequest(api: string, network: OsmpNetwork, params: OsmpParams, timeoutMs: number): Promise<OsmpReply> {
  const query = new URLSearchParams({ command: params.command, txn_id: params.txnId, account: params.account, sum: params.sum });
  if (params.command === 'pay') query.set('txn_date', params.txnDate);
  try {
    const res = await fetch(`${api}/v1/terminals/${network.name}?${query.toString()}`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { authorization: `Basic ${Buffer.from(`${network.user}:${network.password}`).toString('base64')}` },
    });
    const body = await res.text();
    return parseOsmpAnswer(res.status, res.headers.get('content-type'), body, params);
  } catch (err) {
    const name = (err as Error).name;
    return { kind: 'unanswered', why: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection' };
  }
}

export interface TerminalOptions {
  network: OsmpNetwork;
  /** The provider's addresses; a repeat goes to the next one (the network's own failover). */
  apis: string[];
  timeoutMs: number;
  /** How long the terminal waits before it sends a temporary failure again. */
  pauseMs: number;
  /** It gives up (returns the last reply) after this long. */
  giveUpAfterMs: number;
  onAttempt: (a: OsmpAttempt) => void;
}

/** Whether a reply ends the exchange: a protocol answer other than 1. */
const isFinal = (r: OsmpReply) => r.kind === 'answer' && r.result !== 1;

/**
 * A terminal: sends `params` (starting at apis[first]) and, while the reply is a temporary error
 * or nothing, again with the same txn_id after a pause to the next API, until a final answer or
 * `giveUpAfterMs`. Something that is not a protocol answer (a 5xx, broken XML) is final too: a
 * network does not guess, its operator looks.
 */
export async function untilFinal(o: TerminalOptions, params: OsmpParams, first: number): Promise<OsmpReply> {
  const deadline = Date.now() + o.giveUpAfterMs;
  for (let i = first; ; i++) {
    const api = o.apis[i % o.apis.length]!;
    const sentAt = Date.now();
    const reply = await osmpRequest(api, o.network, params, o.timeoutMs);
    o.onAttempt({ params, api, sentAt, answeredAt: Date.now(), reply });
    if (reply.kind === 'broken' || isFinal(reply) || Date.now() + o.pauseMs > deadline) return reply;
    await sleep(o.pauseMs);
  }
}

/** What a terminal does for one payment: check the account, then pay, each until a final answer. */
export async function checkThenPay(o: TerminalOptions, pay: Extract<OsmpParams, { command: 'pay' }>, first: number, withCheck: boolean): Promise<OsmpReply> {
  if (withCheck) {
    const check = await untilFinal(o, { command: 'check', txnId: pay.txnId, account: pay.account, sum: pay.sum }, first);
    if (!(check.kind === 'answer' && check.result === 0)) return check;
  }
  return untilFinal(o, pay, first + 1);
}
