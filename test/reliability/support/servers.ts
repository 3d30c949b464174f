import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TemporalServerTools } from '../../../src/cli/provision/temporal-server.js';
import { type RunningPostgres, startEmbeddedPostgres } from '../../../src/cli/stack/postgres.js';
import { type TemporalCluster, startTemporalCluster } from '../../../src/cli/stack/temporal-cluster.js';
import { setupTemporal } from '../../../src/temporal/setup.js';

/** The embedded Postgres of a cluster, which a scenario may stop and start again on the same port and data. */
export interface RestartablePostgres {
  url: (database: string) => string;
  createDatabase(name: string): Promise<void>;
  /** Fast shutdown (SIGINT to its group): clients are cut off, as in a database restart. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and deletes its data. */
  destroy(): Promise<void>;
}

export async function startRestartablePostgres(o: { dir: string; port: number; systemDir: string | undefined }): Promise<RestartablePostgres> {
  const logFile = join(o.dir, 'postgres.log');
  const boot = () =>
    startEmbeddedPostgres({
      dataDir: join(o.dir, 'postgres'),
      port: o.port,
      persistent: true,
      durable: false, // fsync off: the scenarios restart the server cleanly, they do not test the disk
      onLog: (line) => appendFileSync(logFile, line),
      ...(o.systemDir !== undefined && { systemDir: o.systemDir }),
    });
  let current: RunningPostgres | undefined = await boot();
  const first = current;
  return {
    url: (db) => first.url(db),
    createDatabase: (name) => first.createDatabase(name),
    async stop() {
      await current?.stop();
      current = undefined;
    },
    async start() {
      if (!current) current = await boot();
    },
    async destroy() {
      await current?.stop();
      current = undefined;
      first.remove();
    },
  };
}

/** The real Temporal server of a cluster, which a scenario may stop, start, pause and resume. */
export interface RestartableTemporal {
  address: string;
  /** SIGTERM to the server's group, SIGKILL after 10 s: what `systemctl stop` would do. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT to the server's group: the process is frozen, its sockets stay open. */
  pause(): void;
  resume(): void;
}

export async function startRestartableTemporal(o: {
  tools: TemporalServerTools;
  postgresUrl: string;
  port: number;
  namespace: string;
  dir: string;
  log: (line: string) => void;
}): Promise<RestartableTemporal> {
  const u = new URL(o.postgresUrl);
  const boot = () =>
    startTemporalCluster({
      tools: o.tools,
      postgres: { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
      port: o.port,
      namespace: o.namespace,
      dir: o.dir,
      log: o.log,
    });
  let current: TemporalCluster | undefined = await boot();
  const address = current.address;
  const connection = await Connection.connect({ address });
  try {
    await setupTemporal(connection, o.namespace, { waitMs: 60_000, log: o.log });
  } finally {
    await connection.close();
  }
  const signal = (sig: NodeJS.Signals) => {
    const pid = current?.child.process.pid;
    if (pid !== undefined) process.kill(-pid, sig);
  };
  return {
    address,
    async stop() {
      signal('SIGCONT'); // a frozen server cannot act on SIGTERM
      await current?.child.stop();
      current = undefined;
    },
    async start() {
      if (!current) current = await boot();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  };
}
