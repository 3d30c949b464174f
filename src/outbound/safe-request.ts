import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressListed, classifyAddress, hostListed, type OutboundAllowlist } from './addresses.js';

/**
 * The one way Tollgate calls an address an API caller chose (the amount hook; webhooks later).
 * Public addresses are allowed; any other (private, loopback, link-local, metadata service, …) only
 * when its host name or address is in OUTBOUND_ALLOWED_HOSTS. The check runs on every address the
 * name resolves to, and the connection goes to the checked address itself, so a DNS answer that
 * changes between check and connect cannot move the call inside. No redirects are followed, the
 * answer is capped, and a failure is a closed set of reasons — never the peer's text.
 */
export type OutboundFailure =
  /** Not http(s), carries credentials, or does not parse. */
  | 'bad_url'
  /** Resolves to an address that is not public and not allowed. */
  | 'private_address'
  | 'unreachable'
  | 'timeout'
  | 'redirect'
  | 'too_large'
  | 'http_status';

export type OutboundResult =
  | { ok: true; status: number; body: Buffer }
  /** `body`: what a non-2xx answer said (capped like a success's), only when asked for with errorBody. */
  | { ok: false; failure: OutboundFailure; status?: number; body?: Buffer };

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface OutboundPolicy {
  allow: OutboundAllowlist;
  /** Tests swap it to play DNS tricks; production resolves with the system resolver. */
  resolve?: Resolver;
}

export interface OutboundRequest {
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  /**
   * What an answer longer than maxResponseBytes is: 'fail' (the default: too_large) or 'truncate' —
   * the first maxResponseBytes are kept, the rest is not read (the connection is closed), and the
   * status decides as usual. Webhooks truncate: a receiver's 2xx with a large body is still a success.
   */
  overflow?: 'fail' | 'truncate';
  /** Also hand back a non-2xx answer's (capped) body: only for a caller that logs it for its owner (webhook attempts). */
  errorBody?: boolean;
}

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Why a URL cannot be called at all, before any lookup; undefined when its shape is fine. */
export function outboundUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (u.username || u.password) return 'must not carry credentials';
  return undefined;
}

export async function safeRequest(url: string, req: OutboundRequest, policy: OutboundPolicy): Promise<OutboundResult> {
  if (outboundUrlProblem(url)) return { ok: false, failure: 'bad_url' };
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const deadline = Date.now() + req.timeoutMs;

  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    const resolved = await withTimeout((policy.resolve ?? systemResolver)(host), req.timeoutMs).catch(() => undefined);
    if (resolved === 'timeout') return { ok: false, failure: 'timeout' };
    if (!resolved || resolved.length === 0) return { ok: false, failure: 'unreachable' };
    addresses = resolved;
  }
  const named = hostListed(host, policy.allow);
  const refused = addresses.some((a) => classifyAddress(a.address) !== 'public' && !named && !addressListed(a.address, policy.allow));
  if (refused) return { ok: false, failure: 'private_address' };
  const pinned = addresses[0];
  if (!pinned) return { ok: false, failure: 'unreachable' };
  return send(u, req, pinned, Math.max(1, deadline - Date.now()));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

function send(u: URL, req: OutboundRequest, pinned: { address: string; family: number }, timeoutMs: number): Promise<OutboundResult> {
  // Every lookup the socket makes answers the checked address: the Host header and TLS name stay the URL's.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  const transport = u.protocol === 'https:' ? https : http;
  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const finish = (r: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    // Covers connecting, sending and reading the whole answer, not just one idle socket.
    const timer = setTimeout(() => {
      finish({ ok: false, failure: 'timeout' });
      request.destroy();
    }, timeoutMs);
    const request = transport.request(
      {
        protocol: u.protocol,
        hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: u.port || undefined,
        path: `${u.pathname}${u.search}`,
        method: req.method,
        headers: { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) },
        lookup,
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          request.destroy();
          finish({ ok: false, failure: 'redirect', status });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const byStatus = (): OutboundResult => {
          const body = Buffer.concat(chunks);
          if (status >= 200 && status < 300) return { ok: true, status, body };
          return req.errorBody ? { ok: false, failure: 'http_status', status, body } : { ok: false, failure: 'http_status', status };
        };
        res.on('data', (chunk: Buffer) => {
          if (size + chunk.byteLength > req.maxResponseBytes) {
            if (req.overflow === 'truncate') chunks.push(chunk.subarray(0, req.maxResponseBytes - size));
            res.destroy();
            request.destroy();
            finish(req.overflow === 'truncate' ? byStatus() : { ok: false, failure: 'too_large', status });
            return;
          }
          size += chunk.byteLength;
          chunks.push(chunk);
        });
        res.on('end', () => finish(byStatus()));
        res.on('error', () => finish({ ok: false, failure: 'unreachable' }));
      },
    );
    request.on('error', () => finish({ ok: false, failure: 'unreachable' }));
    request.end(req.body);
  });
}
