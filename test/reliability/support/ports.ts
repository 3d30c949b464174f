import { clusterPortClaims } from '../../../src/cli/stack/temporal-cluster.js';
import { portIsFree } from '../../../src/cli/stack/ports.js';
import { freePort } from '../../support/free-port.js';

/** A frontend port whose whole block (membership at −300 … metrics at +767) is free on 127.0.0.1. */
export async function freeTemporalBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * 20_000); // membership ports (base − 300) must fit a smallint
    const claims = clusterPortClaims(base);
    if ((await Promise.all(claims.map((c) => portIsFree(c.port, c.host)))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for the Temporal server after 50 tries');
}

/** `n` ports that were free a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < n && attempt < n * 20; attempt++) ports.add(await freePort());
  if (ports.size < n) throw new Error(`only ${ports.size} of ${n} free ports found`);
  return [...ports];
}
