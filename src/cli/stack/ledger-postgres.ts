import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { LEDGER_DATABASE } from '../cluster-twin.js';
import { startEmbeddedPostgres } from './postgres.js';

/**
 * The embedded Postgres that `npm start` and `start --cluster` run when DATABASE_URL is not set:
 * data in `<dir>/postgres` (or where it had to go as root, linked from there), its log in
 * `<dir>/postgres.log`, the ledger's database created. Returns the ledger's URL.
 */
export async function startLedgerPostgres(config: Config, env: NodeJS.ProcessEnv, dir: string, say: (line: string) => void): Promise<string> {
  const dataDir = join(dir, 'postgres');
  const pgLog = join(dir, 'postgres.log');
  const server = await startEmbeddedPostgres({
    dataDir,
    port: config.TOLLGATE_POSTGRES_PORT,
    persistent: true,
    durable: true,
    onLog: (line) => appendFileSync(pgLog, line),
    env,
    systemDir: config.TOLLGATE_SYSTEM_DIR,
  });
  say(`embedded Postgres is up (data in ${server.dataDir === dataDir ? dataDir : `${server.dataDir}, linked from ${dataDir}`})`);
  await server.createDatabase(LEDGER_DATABASE);
  return server.url(LEDGER_DATABASE);
}
