import { freePort } from '../../support/free-port.js';

export { freeTemporalBase } from '../../../src/cli/stack/temporal-cluster.js';

/** `n` ports that were free a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < n && attempt < n * 20; attempt++) ports.add(await freePort());
  if (ports.size < n) throw new Error(`only ${ports.size} of ${n} free ports found`);
  return [...ports];
}
