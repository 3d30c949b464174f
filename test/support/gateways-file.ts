import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a gateways file for one test stack and returns its path (TOLLGATE_GATEWAYS_FILE). */
export function writeGatewaysFile(gateways: Array<Record<string, unknown>>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-gw-')), 'gateways.json');
  writeFileSync(path, JSON.stringify({ gateways }, null, 2));
  return path;
}

export const TEST_SECRET = 'whsec_dGVzdC1tb2RlLXNlY3JldC1mb3ItdGVzdHM=';
export const LIVE_SECRET = 'whsec_bGl2ZS1tb2RlLXNlY3JldC1mb3ItdGVzdHM=';

/** The environment the test gateways read their secrets from. */
export const gatewayEnv = { LIVE_GW_SECRET: LIVE_SECRET };

export const sandboxEntry = (over: Record<string, unknown> = {}) => ({
  name: 'sandbox',
  adapter: 'sandbox',
  mode: 'test',
  // A live secret only ever comes from the environment: the stack passes LIVE_GW_SECRET (gatewayEnv).
  secrets: { test: { env: 'TEST_GW_SECRET', default: TEST_SECRET }, live: { env: 'LIVE_GW_SECRET' } },
  recurring: { enabled: true },
  ...over,
});
