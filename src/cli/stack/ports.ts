import { createServer } from 'node:net';
import { StartError } from './start-error.js';

/** A port a server of ours is about to listen on, and the variable that moves it. */
export interface PortClaim {
  port: number;
  host: string;
  what: string;
  variable: string;
  /** How to do without this server altogether (e.g. "TEMPORAL_ADDRESS=host:port"), if there is a way. */
  instead?: string;
}

/** Whether nothing listens on host:port, by trying to listen there ourselves for a moment. */
export async function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Checked before anything starts, so a port held by someone else stops the start at once instead of
 * letting our server fail later — or, worse, letting us talk to that stranger's server as if it were ours.
 */
export async function claimPorts(claims: PortClaim[]): Promise<void> {
  const seen = new Map<number, PortClaim>();
  for (const c of claims) {
    const twice = seen.get(c.port);
    if (twice) throw new StartError(`Port ${c.port} is asked for twice (${twice.variable} and ${c.variable}): set one of them to another port.`);
    seen.set(c.port, c);
  }
  for (const c of claims) {
    if (await portIsFree(c.port, c.host)) continue;
    const instead = c.instead ? `, or set ${c.instead} to use one you run yourself` : '';
    throw new StartError(`Port ${c.port} (${c.what}) is already in use: stop what holds it or set ${c.variable} to a free port${instead}.`);
  }
}
