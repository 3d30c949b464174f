import { parseOutboundAllowlist } from '../../outbound/addresses.js';
import { safeRequest } from '../../outbound/safe-request.js';
import { GatewayTimeoutError } from '../types.js';

/**
 * Uniteller's server-to-server requests: a POST of application/x-www-form-urlencoded fields, its
 * answer semicolon-separated text (Format=1, CSV). The base URL comes from the gateways file —
 * Uniteller's own hosts, or in development a simulator — so the call may reach exactly that host
 * and no other (safeRequest: no redirects, a capped answer, a deadline).
 */
export class UnitellerRefusal extends Error {
  override name = 'UnitellerRefusal';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const TIMEOUT_MS = 20_000;
const MAX_ANSWER_BYTES = 256 * 1024;

/** Posts a form; the answer's text, or GatewayTimeoutError when what Uniteller did is unknown. */
export async function postForm(url: string, fields: Record<string, string>, what: string): Promise<string> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const res = await safeRequest(
    url,
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/plain' }, body: new URLSearchParams(fields).toString(), timeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_ANSWER_BYTES },
    { allow: parseOutboundAllowlist(host) },
  );
  // A timeout, a dropped connection or a 5xx may have come after Uniteller acted: unknown, never "no".
  if (!res.ok) throw new GatewayTimeoutError(`uniteller: ${what} failed (${res.failure}${res.status ? ` ${res.status}` : ''})`);
  return res.body.toString('utf8');
}

/**
 * Reads a CSV answer: one record per line, fields separated by `;`, optionally quoted with `"`.
 * An error answer is the header `ErrorCode;ErrorMessage` and one line of values (thrown as
 * UnitellerRefusal: nothing was done).
 */
export function parseCsv(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => splitLine(line));
}

export function throwIfError(rows: string[][]): void {
  const [head, values] = rows;
  if (head?.[0] === 'ErrorCode') throw new UnitellerRefusal(values?.[0] ?? 'unknown', values?.[1] ?? 'Uniteller refused the request');
}

/** The records of a CSV answer whose first line names its fields. */
export function recordsWithHeader(rows: string[][]): Array<Record<string, string>> {
  const [head, ...rest] = rows;
  if (!head) return [];
  return rest.map((values) => Object.fromEntries(head.map((name, i) => [name, values[i] ?? ''])));
}

function splitLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ';') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
