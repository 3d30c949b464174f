import { randomUUID } from 'node:crypto';
import { DEV_SANDBOX_SECRET } from '../../../src/config.js';
import { webhookHeaders } from '../../../src/gateways/standard-webhooks.js';

export interface Answer {
  status: number;
  json: any; // scenarios read whatever came back
}

/** One HTTP call to 127.0.0.1, bounded in time; a refused or cut connection is status 0. */
export async function call(base: string, method: string, path: string, o: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
      headers: {
        ...(o.key && { authorization: `Bearer ${o.key}` }),
        ...((o.body !== undefined || o.raw !== undefined) && { 'content-type': 'application/json' }),
        ...o.headers,
      },
      ...(o.raw !== undefined ? { body: o.raw } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    });
    const text = await res.text();
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  } catch {
    return { status: 0, json: {} };
  }
}

/**
 * A caller that spreads its calls over every API and, when one refuses the connection or answers
 * 503, tries the next (as a load balancer or a gateway's retry would), up to `tries` times.
 */
export function apiClient(urls: string[], key: string) {
  let next = 0;
  return async function request(method: string, path: string, body?: unknown, o: { tries?: number; headers?: Record<string, string> } = {}): Promise<Answer> {
    let last: Answer = { status: 0, json: {} };
    for (let i = 0; i < (o.tries ?? 20); i++) {
      const base = urls[(next += 1) % urls.length]!;
      last = await call(base, method, path, { key, body, ...(o.headers && { headers: o.headers }) });
      if (last.status !== 0 && last.status !== 503) return last;
      await new Promise((r) => setTimeout(r, 250 * Math.min(i + 1, 8)));
    }
    return last;
  };
}

/** A payment.succeeded callback from the sandbox, signed with the development secret (Standard Webhooks). */
export function signedSandboxCallback(paymentId: string, messageId = `msg_${randomUUID()}`): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: paymentId, transaction_id: `t-${randomUUID()}`, code: '00' } });
  return { raw, headers: { ...webhookHeaders(DEV_SANDBOX_SECRET, messageId, Math.floor(Date.now() / 1000), raw) } };
}
