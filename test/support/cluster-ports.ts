import { clusterPortClaims } from '../../src/cli/stack/temporal-cluster.js';
import { portIsFree } from '../../src/cli/stack/ports.js';
import { freePort } from './free-port.js';

/** A frontend port whose whole block (membership at −300 … metrics at +767) is free. */
export async function freeTemporalBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * 20_000); // membership ports (base − 300) must fit a smallint
    const claims = clusterPortClaims(base);
    if ((await Promise.all(claims.map((c) => portIsFree(c.port, c.host)))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for the Temporal server');
}

/** A free port whose next one is free too (API #1 and API #2). */
export async function freeApiBase(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base < 65_000 && (await portIsFree(base + 1, '127.0.0.1'))) return base;
  }
}
