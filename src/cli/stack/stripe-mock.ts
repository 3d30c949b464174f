import { closeSync, openSync } from 'node:fs';
import type { GatewaySettings } from '../../gateways/settings.js';
import { type ManagedChild, startChild, waitUntilReady } from './child-process.js';
import { logHint } from './log-tail.js';

export interface StripeMock {
  /** The API base a `stripe` gateway's `api_base` points at (http://127.0.0.1:<port>). */
  url: string;
  child: ManagedChild;
}

/**
 * Runs stripe-mock on 127.0.0.1:`port` over plain HTTP and waits until it answers. v0.203.0 opens
 * HTTPS on :12112 on every interface unless told otherwise, even with -http-addr (its main.go only
 * skips it for -http, -http-port or -port), so HTTPS is pinned to a port of the system's choosing
 * on loopback: nothing listens beyond this machine, and two runs never collide on 12112.
 */
export async function startStripeMock(o: { binary: string; port: number; logFile: string }): Promise<StripeMock> {
  const out = openSync(o.logFile, 'a');
  const child = startChild('stripe-mock', o.binary, ['-http-addr', `127.0.0.1:${o.port}`, '-https-addr', '127.0.0.1:0'], { stdio: ['ignore', out, out] });
  closeSync(out);
  const url = `http://127.0.0.1:${o.port}`;
  // Any answer from its router will do: an unauthenticated request is its 401.
  await waitUntilReady(child, async () => (await fetch(`${url}/v1/balance`)).status === 401, 30_000, () => logHint(o.logFile)).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return { url, child };
}

/**
 * The ports of the stripe-mocks `npm start` runs: one per distinct loopback `api_base` of a stripe
 * gateway (http://127.0.0.1:<port> or http://localhost:<port>). An api_base elsewhere is someone
 * else's server, left alone; none at all is Stripe itself.
 */
export function localStripeMockPorts(gateways: GatewaySettings[]): Array<{ port: number; gateway: string }> {
  const ports = new Map<number, string>();
  for (const g of gateways) {
    const base = g.stripe?.apiBase;
    if (!base) continue;
    const url = new URL(base);
    if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(url.hostname)) continue;
    const port = Number(url.port || 80);
    if (!ports.has(port)) ports.set(port, g.name);
  }
  return [...ports].map(([port, gateway]) => ({ port, gateway }));
}
