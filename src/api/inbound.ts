import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { isIP } from 'node:net';
import { ipAllowed } from '../gateways/cidr.js';
import type { AppEnv } from './env.js';

const REDACTED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Headers as journaled: everything the sender sent, minus credentials of ours. */
export function journalHeaders(c: Context<AppEnv>): Record<string, string> {
  return redactedHeaders(c.req.header());
}

/** The same from headers already read (c.req.header() builds a new record on every call). */
export function redactedHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = REDACTED_HEADERS.has(k) ? '[redacted]' : v;
  return out;
}

/**
 * The caller's address: the TCP peer, unless the peer is a trusted proxy (TRUSTED_PROXIES); then
 * the right-most X-Forwarded-For address that is not a trusted proxy itself (the left part of the
 * header is whatever the client wrote, so it is never believed). Callback allowlists and the
 * journal both see this address.
 */
export function sourceIp(c: Context<AppEnv>): string | undefined {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined; // not served by @hono/node-server (app.request in tests)
  }
  return clientIp(peer, c.req.header('x-forwarded-for'), c.get('deps').config.TRUSTED_PROXIES);
}

export function clientIp(peer: string | undefined, forwardedFor: string | undefined, trusted: readonly string[]): string | undefined {
  const isTrusted = (ip: string) => trusted.length > 0 && ipAllowed(ip, trusted);
  if (!peer || !forwardedFor || !isTrusted(peer)) return peer;
  const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (isIP(hop) === 0) return peer; // a hop we cannot read: stop believing the header there
    if (!isTrusted(hop)) return hop;
  }
  return hops[0] ?? peer;
}

/**
 * Reads at most `cap` bytes of the body. A larger body is cut at the cap and flagged, so the
 * journal still keeps what came in while the request is refused.
 */
export async function readBodyCapped(req: Request, cap: number): Promise<{ text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBytesCapped(req, cap);
  return { text: bytes.toString('utf8'), truncated };
}

/** The same, as the bytes that came (a statement file's hash and encoding are its own). */
export async function readBytesCapped(req: Request, cap: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  // A GET or HEAD has no body (Fetch: its Request's body is null). Asking for it anyway makes
  // @hono/node-server build the whole WHATWG Request (headers, AbortController, stream) that it
  // otherwise never builds: a fifth of the adapter's CPU under bench:terminals (OSMP checks and pays are GETs).
  if (req.method === 'GET' || req.method === 'HEAD') return { bytes: Buffer.alloc(0), truncated: false };
  if (!req.body) return { bytes: Buffer.alloc(0), truncated: false };
  const reader: ReadableStreamDefaultReader<Uint8Array> = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > cap) {
      chunks.push(value.subarray(0, cap - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { bytes: Buffer.concat(chunks), truncated };
}
