import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tollgateProcessEnv } from '../../../src/cli/cluster-twin.js';
import { projectRoot } from '../../../src/cli/provision/paths.js';
import { loadConfig } from '../../../src/config.js';
import { type ManagedChild, startChild, waitUntilReady } from '../../../src/cli/stack/child-process.js';

/** What every Tollgate process of one cluster shares. */
export interface TollgateEnv {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  adminKey: string;
  /** Where each process writes its log (one file per process). */
  logDir: string;
  /** Extra settings (RELAY_INTERVAL_MS, …). */
  extra?: Record<string, string>;
}

export interface ApiProcess {
  url: string;
  child: ManagedChild;
}

let serial = 0;

/** The same entry points `tollgate start --cluster` runs from the source: src/<part>/main.ts through tsx. */
function spawnPart(part: 'api' | 'worker', name: string, e: TollgateEnv, extra: Record<string, string>): { child: ManagedChild; logFile: string } {
  const logFile = join(e.logDir, `${name.replace(/[^a-z0-9]+/gi, '-')}-${(serial += 1)}.log`);
  const out = openSync(logFile, 'a');
  const child = startChild(name, process.execPath, ['--import', 'tsx', join(projectRoot(), 'src', part, 'main.ts')], {
    cwd: projectRoot(),
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      // What `start --cluster` (and compose's x-tollgate-env) hands every process, then this run's own queue.
      ...tollgateProcessEnv(loadConfig({ ...process.env, TOLLGATE_ENV: 'development' }), e),
      TEMPORAL_TASK_QUEUE: e.taskQueue,
      LOG_LEVEL: process.env.TOLLGATE_REL_LOG_LEVEL ?? 'warn',
      ...e.extra,
      ...extra,
    },
  });
  closeSync(out);
  return { child, logFile };
}

export interface WorkerProcess {
  child: ManagedChild;
  startedAt: number;
  /** Whether it has bundled the workflows and polls (its own "worker running" line, read only to pick a victim). */
  polling(): boolean;
}

/** A worker process; it polls the task queue once it has bundled the workflows (seconds). */
export function startWorker(e: TollgateEnv, name = 'worker'): WorkerProcess {
  // info, so that the worker's "worker running" line says when it polls
  const { child, logFile } = spawnPart('worker', name, e, { LOG_LEVEL: 'info' });
  let seen = false;
  return {
    child,
    startedAt: Date.now(),
    polling: () => (seen ||= readFileSync(logFile, 'utf8').includes('"worker running"')),
  };
}

/** An API process on 127.0.0.1:port, resolved once /healthz answers. */
export async function startApi(e: TollgateEnv, port: number, name = `API :${port}`): Promise<ApiProcess> {
  const { child } = spawnPart('api', name, e, { PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, async () => (await fetch(`${url}/healthz`)).ok, 90_000, () => `its log is in ${e.logDir}`).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return { url, child };
}

/** SIGKILL to the whole process group: no shutdown hook runs, as in a crash or an OOM kill. */
export async function killHard(child: ManagedChild): Promise<void> {
  const pid = child.process.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await child.exited;
}

export function isRunning(child: ManagedChild): boolean {
  return child.process.exitCode === null && child.process.signalCode === null && child.spawnError() === undefined;
}
