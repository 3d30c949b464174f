import { createHash, timingSafeEqual } from 'node:crypto';
import type { InboundOutcome } from '../../db/inbound-requests.js';
import { ipAllowed } from '../../gateways/cidr.js';
import type { GatewayMode } from '../../gateways/settings.js';
import type { OsmpResultName } from '../../terminals/osmp/protocol.js';
import type { TerminalSettings } from '../../terminals/settings.js';

/**
 * Who a request is, by its address (ABillS tells payment systems apart by source IP). A test
 * address pays into the test account in test mode; a network whose own mode is test keeps its
 * payers' accounts and pays in test mode.
 */
export type Standing = { allowed: false } | { allowed: true; testAddress: boolean; mode: GatewayMode };

/**
 * An empty allowlist refuses everything (ABillS: a request from an address no payment system
 * names is "Error: Unknown payment system"). A test address (PAYSYS_TEST_SYSTEM) is let in even
 * outside the allowlist: it is how an operator tries the network, and it only ever pays in test mode.
 */
export function standingOf(t: TerminalSettings | undefined, ip: string | undefined): Standing {
  if (!t || ip === undefined) return { allowed: false };
  if (t.testAddresses.length > 0 && ipAllowed(ip, t.testAddresses)) return { allowed: true, testAddress: true, mode: 'test' };
  if (t.allowlist.length > 0 && ipAllowed(ip, t.allowlist)) return { allowed: true, testAddress: false, mode: t.mode };
  return { allowed: false };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const same = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/** Why the credentials fail, or undefined when every configured one is right. */
export function authProblem(t: TerminalSettings, authorization: string | undefined, params: Readonly<Record<string, string | undefined>>): string | undefined {
  if (t.basicAuth) {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
    const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const ok = colon > 0 && same(decoded.slice(0, colon), t.basicAuth.user) && same(decoded.slice(colon + 1), t.basicAuth.password);
    if (!ok) return 'HTTP Basic credentials missing or wrong';
  }
  if (t.sharedSecret) {
    const given = params[t.sharedSecret.param];
    if (given === undefined || !same(given, t.sharedSecret.value)) return `the ${t.sharedSecret.param} parameter is missing or wrong`;
  }
  return undefined;
}

/** check/pay parameters from the query and, for a form POST, the body (the body's win). */
export function requestParams(url: string, method: string, contentType: string | undefined, body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(url).searchParams) out[k] ??= v;
  if (method === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) {
    for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  }
  return out;
}

/**
 * A refusal before any check or pay runs: its journal outcome, the protocol's result and what the
 * XML says. It is answered HTTP 200 like every other answer: the QIWI provider protocol (developer.qiwi.com,
 * «Протокол взаимодействия с провайдерами QIWI», "Правила обработки запросов" / "Request Processing
 * Rules") has the provider answer every request with its XML document and put the outcome in
 * <result>; a terminal network reads <result>, not the status line, and may take a 4xx as a
 * transport failure to retry. The one exception is `challenge`: basic_auth is configured and the
 * request carried no Authorization at all, answered 401 with WWW-Authenticate (RFC 7617 §2), since a
 * client that sends credentials only when challenged would otherwise never send them.
 */
export interface TerminalRefusal {
  outcome: InboundOutcome;
  result: OsmpResultName;
  comment: string;
  challenge: boolean;
}

const UNKNOWN = 'Error: Unknown payment system';

/** The checks before the parameters, in order: the network, the address, the size, the credentials. */
export function screenTerminal(
  terminal: TerminalSettings | undefined,
  standing: Standing,
  truncated: boolean,
  credentials: { authorization: string | undefined; params: Readonly<Record<string, string | undefined>> },
): { ok: false; refusal: TerminalRefusal } | { ok: true; terminal: TerminalSettings; testAddress: boolean; mode: GatewayMode } {
  const no = (outcome: InboundOutcome, result: OsmpResultName, comment: string, challenge = false) => ({ ok: false as const, refusal: { outcome, result, comment, challenge } });
  if (!terminal) return no('rejected_unknown_gateway', 'other', UNKNOWN);
  if (!standing.allowed) return no('rejected_source', 'other', UNKNOWN);
  if (truncated) return no('rejected_too_large', 'other', `requests are limited to ${TERMINAL_BODY_BYTES} bytes`);
  const auth = authProblem(terminal, credentials.authorization, credentials.params);
  // 7 "payment forbidden by the provider": the network's operator must fix its credentials.
  if (auth) return no('rejected_signature', 'forbidden', auth, terminal.basicAuth !== null && credentials.authorization === undefined);
  return { ok: true, terminal, testAddress: standing.testAddress, mode: standing.mode };
}

/** A check/pay request is a few parameters: more than this is refused (and journaled up to it). */
export const TERMINAL_BODY_BYTES = 8192;
