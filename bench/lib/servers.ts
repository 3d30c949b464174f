import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { ensureTemporalCli } from '../../src/cli/provision/temporal-cli.js';
import { startEmbeddedPostgres } from '../../src/cli/stack/postgres.js';
import { startTemporalDevServer } from '../../src/cli/stack/temporal-dev-server.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { freePort } from '../../test/support/free-port.js';

export interface BenchServers {
  temporalAddress: string;
  databaseUrl: string;
  temporalPid: number;
  stop(): Promise<void>;
}

/** A throwaway Temporal dev server and Postgres, as `npm test` starts them. */
export async function startBenchServers(log: (line: string) => void): Promise<BenchServers> {
  const config = loadConfig();
  const scratch = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  chmodSync(scratch, 0o755);
  const cli = await ensureTemporalCli({ explicit: config.TEMPORAL_CLI, cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log });
  const dev = await startTemporalDevServer({ cli, port: await freePort(), logFile: join(scratch, 'temporal.log') });
  const pg = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg'), port: await freePort(), persistent: false, durable: false, onLog: () => undefined });
  await pg.createDatabase('bench');
  const pool = createPool(pg.url('bench'), 1);
  await migrate(pool);
  await pool.end();
  return {
    temporalAddress: dev.address,
    databaseUrl: pg.url('bench'),
    temporalPid: dev.child.process.pid ?? 0,
    async stop() {
      await dev.child.stop();
      await pg.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A worker in its own process, so its CPU and memory are its own. */
export function spawnWorker(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: projectRoot(),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
