import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalServer } from '../../../src/cli/provision/temporal-server.js';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { migrate } from '../../../src/db/migrate.js';
import { workflowsPath } from '../../../src/worker/create-worker.js';
import { createPool } from '../../../src/db/pool.js';
import { freePorts, freeTemporalBase } from './ports.js';
import { type RestartablePostgres, type RestartableTemporal, startRestartablePostgres, startRestartableTemporal } from './servers.js';
import { type ApiProcess, isRunning, killHard, startApi, startWorker, type TollgateEnv, type WorkerProcess } from './tollgate-processes.js';

const LEDGER_DB = 'tollgate';
const quietLogger = new DefaultLogger('WARN');

/**
 * The production shape of issue 10 §1 for one reliability run or one fault scenario: an embedded
 * Postgres (the ledger and Temporal's two databases), the real Temporal server 1.29.1 on it, worker
 * processes and API processes — the same entry points `tollgate start --cluster` runs — on a task
 * queue of their own. Every process is in its own group; `stop()` ends them all (and so does the
 * exit of the process that started them, see src/cli/stack/child-process.ts).
 */
export interface ReliabilityCluster {
  dir: string;
  adminKey: string;
  taskQueue: string;
  databaseUrl: string;
  postgresAdminUrl: string;
  temporalAddress: string;
  postgres: RestartablePostgres;
  temporal: RestartableTemporal;
  apis: ApiProcess[];
  workers: WorkerProcess[];
  /** A new worker process (it serves once it has bundled the workflows, a few seconds). */
  addWorker(): WorkerProcess;
  /** SIGKILLs one worker and forgets it. */
  killWorker(worker: WorkerProcess): Promise<void>;
  /** SIGKILLs one API; it stays in `apis` (callers find it refusing connections). */
  killApi(api: ApiProcess): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  workers: number;
  apis: number;
  log: (line: string) => void;
  /** Settings handed to every Tollgate process. */
  extra?: Record<string, string>;
  cacheDir?: string | undefined;
  systemDir?: string | undefined;
}

export async function startReliabilityCluster(o: ClusterOptions): Promise<ReliabilityCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-rel-'));
  chmodSync(dir, 0o755); // as root, Postgres runs as its own user and must reach its data
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // TOLLGATE_REL_KEEP=1 keeps the folder (every process's log) for a post-mortem.
  const stops: Array<() => Promise<void>> = [async () => (process.env.TOLLGATE_REL_KEEP === '1' ? o.log(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true }))];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => o.log(`cleanup: ${String(err)}`));
  };
  try {
    const tools = await ensureTemporalServer({ cacheOverride: o.cacheDir, env: process.env, log: o.log });
    const [pgPort] = await freePorts(1);
    const postgres = await startRestartablePostgres({ dir, port: pgPort!, systemDir: o.systemDir });
    stops.push(() => postgres.destroy());
    await postgres.createDatabase(LEDGER_DB);
    const pool = createPool(postgres.url(LEDGER_DB), 1);
    await migrate(pool).finally(() => pool.end());

    const t0 = Date.now();
    const temporal = await startRestartableTemporal({
      tools,
      postgresUrl: postgres.url(LEDGER_DB),
      port: await freeTemporalBase(),
      namespace: 'default',
      dir: join(dir, 'temporal'),
      log: o.log,
    });
    stops.push(() => temporal.stop());
    o.log(`Temporal server 1.29.1 is up at ${temporal.address} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // Bundled once here, so that a worker (and each replacement of a killed one) polls in seconds.
    const bundleFile = join(dir, 'workflow-bundle.js');
    writeFileSync(bundleFile, (await bundleWorkflowCode({ workflowsPath, logger: quietLogger })).code);
    const env: TollgateEnv = {
      databaseUrl: postgres.url(LEDGER_DB),
      temporalAddress: temporal.address,
      taskQueue: `rel-${randomUUID()}`,
      adminKey: `tg_rel_${randomBytes(24).toString('hex')}`,
      logDir,
      extra: { TOLLGATE_WORKFLOW_BUNDLE: bundleFile, ...o.extra },
    };
    const workers: WorkerProcess[] = [];
    let started = 0;
    const apis: ApiProcess[] = [];
    stops.push(async () => {
      await Promise.all([...apis.map((a) => a.child.stop()), ...workers.map((w) => w.child.stop())]);
    });
    const addWorker = () => {
      const w = startWorker(env, `worker ${(started += 1)}`);
      workers.push(w);
      return w;
    };
    for (let i = 0; i < o.workers; i++) addWorker();
    const ports = await freePorts(o.apis);
    apis.push(...(await Promise.all(ports.map((port) => startApi(env, port)))));
    o.log(`${o.workers} workers and ${o.apis} APIs (${apis.map((a) => a.url).join(', ')}) on task queue ${env.taskQueue}; logs in ${logDir}`);

    return {
      dir,
      adminKey: env.adminKey,
      taskQueue: env.taskQueue,
      databaseUrl: env.databaseUrl,
      postgresAdminUrl: postgres.url('postgres'),
      temporalAddress: temporal.address,
      postgres,
      temporal,
      apis,
      workers,
      addWorker,
      async killWorker(worker) {
        await killHard(worker.child);
        workers.splice(workers.indexOf(worker), 1);
      },
      async killApi(api) {
        if (isRunning(api.child)) await killHard(api.child);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
