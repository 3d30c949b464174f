import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  /** The postmaster's process id (BenchPostgres.pid). */
  postgresPid: number;
  stop(): Promise<void>;
}

export interface BenchPostgres {
  databaseUrl: string;
  /** The postmaster's process id: its CPU and its backends' is what the ledger (and, on the cluster, Temporal's persistence) costs. */
  pid: number;
  /** A scratch folder removed by stop(), for whatever else the bench starts. */
  scratch: string;
  stop(): Promise<void>;
}

/** A throwaway embedded Postgres with the ledger migrated in its database `bench`. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const scratch = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  chmodSync(scratch, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg'), port: await freePort(), persistent: false, durable: false, onLog: () => undefined });
  await pg.createDatabase('bench');
  const pool = createPool(pg.url('bench'), 1);
  await migrate(pool);
  await pool.end();
  return {
    databaseUrl: pg.url('bench'),
    // postmaster.pid's first line (PostgreSQL docs §19.2, "Creating a Database Cluster": the lock file).
    pid: Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    scratch,
    async stop() {
      await pg.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A throwaway Temporal dev server (the one `npm test` starts), its database in `scratch`. */
export async function startBenchDevServer(scratch: string, log: (line: string) => void): Promise<{ temporalAddress: string; temporalPid: number; stop(): Promise<void> }> {
  const config = loadConfig();
  const cli = await ensureTemporalCli({ explicit: config.TEMPORAL_CLI, cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log });
  const dev = await startTemporalDevServer({ cli, port: await freePort(), logFile: join(scratch, 'temporal.log') });
  return { temporalAddress: dev.address, temporalPid: dev.child.process.pid ?? 0, stop: () => dev.child.stop() };
}

/** A throwaway Temporal dev server and Postgres, as `npm test` starts them. */
export async function startBenchServers(log: (line: string) => void): Promise<BenchServers> {
  const pg = await startBenchPostgres();
  const dev = await startBenchDevServer(pg.scratch, log);
  return {
    temporalAddress: dev.temporalAddress,
    databaseUrl: pg.databaseUrl,
    temporalPid: dev.temporalPid,
    postgresPid: pg.pid,
    async stop() {
      await dev.stop();
      await pg.stop();
    },
  };
}

/** A worker in its own process, so its CPU and memory are its own; `root` is the checkout it runs from. */
export function spawnWorker(script: string, env: Record<string, string>, root = projectRoot(), o: { stdout?: 'pipe' } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', o.stdout ?? 'ignore', 'inherit'],
  });
}
