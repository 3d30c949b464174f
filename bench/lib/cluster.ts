import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { ensureTemporalServer } from '../../src/cli/provision/temporal-server.js';
import { freeTemporalBase, startTemporalCluster } from '../../src/cli/stack/temporal-cluster.js';
import { setupTemporal } from '../../src/temporal/setup.js';

export interface BenchCluster {
  temporalAddress: string;
  temporalPid: number;
  stop(): Promise<void>;
}

/**
 * The real Temporal server 1.29.1 on the bench's own Postgres (its databases `temporal` and
 * `temporal_visibility` beside the ledger's), exactly as `npm run start:cluster` starts it, with
 * the namespace `default` and Tollgate's search attributes registered. Built once into the cache
 * if it is not there (minutes).
 */
export async function startBenchCluster(o: { databaseUrl: string; dir: string; log: (line: string) => void }): Promise<BenchCluster> {
  const config = loadConfig();
  const tools = await ensureTemporalServer({ cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log: o.log });
  const u = new URL(o.databaseUrl);
  mkdirSync(o.dir, { recursive: true });
  const cluster = await startTemporalCluster({
    tools,
    postgres: { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
    port: await freeTemporalBase(),
    namespace: 'default',
    dir: join(o.dir, 'temporal'),
    log: o.log,
  });
  const connection = await Connection.connect({ address: cluster.address });
  try {
    await setupTemporal(connection, 'default', { waitMs: 60_000, log: o.log });
  } finally {
    await connection.close();
  }
  return {
    temporalAddress: cluster.address,
    temporalPid: cluster.child.process.pid ?? 0,
    stop: () => cluster.child.stop(),
  };
}
