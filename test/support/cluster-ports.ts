import { portIsFree } from '../../src/cli/stack/ports.js';
import { freePort } from './free-port.js';

export { freeTemporalBase } from '../../src/cli/stack/temporal-cluster.js';

/** A free port whose next one is free too (API #1 and API #2). */
export async function freeApiBase(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base < 65_000 && (await portIsFree(base + 1, '127.0.0.1'))) return base;
  }
}
