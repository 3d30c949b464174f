import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { generateApiKey } from '../api/api-keys/api-keys.router.js';
import { projectRoot, ProvisionError } from './provision/paths.js';
import { ensureTemporalCli } from './provision/temporal-cli.js';
import { type ManagedChild, startChild, waitUntilReady } from './stack/child-process.js';
import { startEmbeddedPostgres, type RunningPostgres } from './stack/postgres.js';
import { startTemporalDevServer } from './stack/temporal-dev-server.js';

const say = (line: string) => console.log(`[tollgate] ${line}`);

/**
 * `npm start`: the whole stack on one machine. Temporal dev server and embedded Postgres unless
 * TEMPORAL_ADDRESS / DATABASE_URL point elsewhere; migrations; the worker and the API as child
 * processes. Ctrl-C or SIGTERM stops everything it started, in reverse order.
 */
export async function startStack(config: Config, env: NodeJS.ProcessEnv): Promise<void> {
  const dataDir = resolve(config.TOLLGATE_DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];
  let shuttingDown = false;

  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`stopping (${reason})…`);
    for (const s of [...stoppers].reverse()) {
      await s.stop().catch((err: unknown) => say(`could not stop ${s.name}: ${String(err)}`));
    }
    say('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  try {
    // Temporal
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      const cli = await ensureTemporalCli({ explicit: config.TEMPORAL_CLI, cacheOverride: config.TOLLGATE_CACHE_DIR, env, log: say });
      say(`starting the Temporal dev server (state in ${join(dataDir, 'temporal.db')})…`);
      const dev = await startTemporalDevServer({
        cli,
        port: config.TOLLGATE_TEMPORAL_PORT,
        uiPort: config.TOLLGATE_UI_PORT,
        dbFile: join(dataDir, 'temporal.db'),
        logFile: join(dataDir, 'temporal.log'),
      });
      stoppers.push({ name: 'Temporal dev server', stop: () => dev.child.stop() });
      temporalAddress = dev.address;
      uiUrl = dev.uiUrl;
    }

    // Postgres
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      say(`starting embedded Postgres (data in ${join(dataDir, 'postgres')})…`);
      const pgLog = join(dataDir, 'postgres.log');
      const pgServer: RunningPostgres = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: config.TOLLGATE_POSTGRES_PORT,
        persistent: true,
        durable: true,
        onLog: (line) => appendFileSync(pgLog, line),
      });
      stoppers.push({ name: 'Postgres', stop: () => pgServer.stop() });
      await pgServer.createDatabase('tollgate');
      databaseUrl = pgServer.url('tollgate');
    }

    const pool = createPool(databaseUrl, 2);
    const applied = await migrate(pool);
    await pool.end();
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

    const adminKey = config.TOLLGATE_ADMIN_API_KEY ?? loadOrCreateAdminKey(dataDir);
    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      TOLLGATE_ADMIN_API_KEY: adminKey,
    };
    const dist = join(projectRoot(), 'dist');
    const worker = startChild('worker', process.execPath, [join(dist, 'worker', 'main.js')], { env: childEnv, stdio: 'inherit' });
    stoppers.push({ name: 'worker', stop: () => worker.stop(15_000) });
    const api = startChild('API', process.execPath, [join(dist, 'api', 'main.js')], { env: childEnv, stdio: 'inherit' });
    stoppers.push({ name: 'API', stop: () => api.stop() });
    watchExit([worker, api], (name) => void shutdown(`${name} exited`, 1));

    const apiUrl = `http://localhost:${config.PORT}`;
    await waitUntilReady(api, async () => (await fetch(`${apiUrl}/healthz`)).ok, 60_000, () => 'See its log above.');
    say('ready.');
    say(`  API           ${apiUrl}`);
    say(`  API docs      ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
    if (uiUrl) say(`  Temporal UI   ${uiUrl}`);
    say(`  Temporal      ${temporalAddress}`);
    say(`  Postgres      ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
    say(`  admin API key ${adminKey}`);
    say('Ctrl-C stops everything.');
  } catch (err) {
    console.error(err instanceof ProvisionError ? `[tollgate] ${err.message}` : err);
    await shutdown('startup failed', 1);
  }
}

function watchExit(children: ManagedChild[], onExit: (name: string) => void): void {
  for (const c of children) void c.exited.then(() => onExit(c.name));
}

/** The generated admin key survives restarts, so a second `npm start` prints the same one. */
function loadOrCreateAdminKey(dataDir: string): string {
  const file = join(dataDir, 'admin-api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
