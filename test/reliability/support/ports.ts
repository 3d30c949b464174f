import { freePort } from '../../support/free-port.js';

export { freeTemporalBase } from '../../../src/cli/stack/temporal-cluster.js';

/** `n` distinct ports that were free a moment ago (freePort never repeats one). */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await freePort());
  return ports;
}
