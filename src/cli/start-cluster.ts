import { mkdirSync } from 'node:fs';
import { superviseStart } from './stack/supervisor.js';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { projectRoot } from './provision/paths.js';
import { ensureTemporalServer } from './provision/temporal-server.js';
import { ensureTemporalUiServer } from './provision/temporal-ui-server.js';
import { tollgateProcessEnv } from './cluster-twin.js';
import { startChild, waitUntilReady } from './stack/child-process.js';
import { claimPorts, type PortClaim } from './stack/ports.js';
import { startLedgerPostgres } from './stack/ledger-postgres.js';
import { type ClusterPostgres, clusterPortClaims, startTemporalCluster } from './stack/temporal-cluster.js';
import { startTemporalUi } from './stack/temporal-ui.js';
import { setupTemporal } from '../temporal/setup.js';
import { Connection } from '@temporalio/client';
import { ensureMailpit } from './provision/mailpit.js';
import { startMailpit } from './stack/mailpit.js';
import { loadOrCreateAdminKey, mailpitPortClaims, migrateOrExplain, watchExit } from './start.js';

const say = (line: string) => console.log(`[tollgate] ${line}`);

/**
 * `npm run start:cluster` / `tollgate start --cluster`: the production shape without Docker — the
 * real Temporal server (not the dev server) on Postgres, TOLLGATE_WORKERS worker processes and
 * TOLLGATE_APIS API processes on PORT, PORT+1, …. Embedded Postgres under <data dir>/cluster unless
 * DATABASE_URL is set (Temporal's two databases then live on that server), and the Temporal UI
 * server beside a Temporal server we start. Ctrl-C or SIGTERM stops everything in reverse order; so
 * does a start that fails half-way, saying why in one sentence. docker-compose.yml is its twin
 * (cluster-twin.ts).
 */
export async function startCluster(config: Config, env: NodeJS.ProcessEnv): Promise<void> {
  const dataDir = resolve(config.TOLLGATE_DATA_DIR);
  const clusterDir = join(dataDir, 'cluster');
  const { markStarted, shutdown, fail } = superviseStart(dataDir);

  try {
    mkdirSync(clusterDir, { recursive: true, mode: 0o755 });
    const temporalClaims = config.TEMPORAL_ADDRESS
      ? []
      : [...clusterPortClaims(config.TOLLGATE_TEMPORAL_PORT), { port: config.TOLLGATE_UI_PORT, host: '127.0.0.1', what: 'Temporal UI', variable: 'TOLLGATE_UI_PORT' }];
    const pgClaim: PortClaim[] = config.DATABASE_URL
      ? []
      : [{ port: config.TOLLGATE_POSTGRES_PORT, host: '127.0.0.1', what: 'embedded Postgres', variable: 'TOLLGATE_POSTGRES_PORT', instead: 'DATABASE_URL=postgres://…' }];
    const apiClaims: PortClaim[] = Array.from({ length: config.TOLLGATE_APIS }, (_, i) => ({
      port: config.PORT + i,
      host: config.HOST,
      what: `API #${i + 1}`,
      variable: i === 0 ? 'PORT' : 'PORT (API #n listens on PORT+n-1)',
    }));
    const mailpitClaims = mailpitPortClaims(config);
    await claimPorts([...temporalClaims, ...pgClaim, ...apiClaims, ...mailpitClaims]);

    const provision = { cacheOverride: config.TOLLGATE_CACHE_DIR, env, log: say };
    const tools = config.TEMPORAL_ADDRESS ? undefined : await ensureTemporalServer(provision);
    const uiServer = config.TEMPORAL_ADDRESS ? undefined : await ensureTemporalUiServer(provision);
    const mailpitBinary = mailpitClaims.length ? await ensureMailpit({ ...provision, explicit: config.MAILPIT }) : undefined;
    await claimPorts([...temporalClaims, ...pgClaim]); // again: provisioning may have taken minutes

    // Postgres: the ledger and Temporal's two databases.
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      markStarted();
      databaseUrl = await startLedgerPostgres(config, env, clusterDir, say);
    }
    await migrateOrExplain(databaseUrl, config.DATABASE_URL !== undefined);

    // Temporal
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress && tools && uiServer) {
      say(`starting the Temporal server on Postgres (config and log in ${join(clusterDir, 'temporal')})…`);
      markStarted();
      const t0 = Date.now();
      const cluster = await startTemporalCluster({
        tools,
        postgres: postgresOf(databaseUrl),
        port: config.TOLLGATE_TEMPORAL_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dir: join(clusterDir, 'temporal'),
        log: say,
      });
      temporalAddress = cluster.address;
      say(`Temporal server is up at ${temporalAddress} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      const connection = await Connection.connect({ address: temporalAddress });
      try {
        // A namespace just registered takes a moment to reach every frontend cache: wait for it.
        await setupTemporal(connection, config.TEMPORAL_NAMESPACE, { waitMs: 60_000, log: say });
      } finally {
        await connection.close();
      }
      uiUrl = (await startTemporalUi({ binary: uiServer, port: config.TOLLGATE_UI_PORT, temporalAddress, namespace: config.TEMPORAL_NAMESPACE, dir: join(clusterDir, 'ui') })).url;
    }
    if (!temporalAddress) throw new Error('unreachable: no Temporal address');

    // Mailpit, as npm start runs it: the e-mails of a development cluster in its web UI.
    let mailpit: { uiUrl: string; smtpUrl: string } | undefined;
    if (mailpitBinary) {
      await claimPorts(mailpitClaims);
      markStarted();
      mailpit = await startMailpit({
        binary: mailpitBinary,
        uiPort: config.TOLLGATE_MAILPIT_PORT,
        smtpPort: config.TOLLGATE_SMTP_PORT,
        logFile: join(clusterDir, 'mailpit.log'),
        database: join(clusterDir, 'mailpit.db'),
      });
    }

    const adminKey = config.TOLLGATE_ADMIN_API_KEY ?? loadOrCreateAdminKey(dataDir);
    const childEnv: NodeJS.ProcessEnv = { ...env, ...tollgateProcessEnv(config, { databaseUrl, temporalAddress, adminKey, smtpUrl: mailpit?.smtpUrl }) };
    const entry = processEntry();
    await claimPorts(apiClaims);
    markStarted();
    const children = [];
    for (let i = 1; i <= config.TOLLGATE_WORKERS; i++) {
      children.push(startChild(`worker #${i}`, process.execPath, entry('worker'), { env: childEnv, stdio: 'inherit' }));
    }
    const apis = apiClaims.map((claim, i) =>
      startChild(`API #${i + 1}`, process.execPath, entry('api'), { env: { ...childEnv, PORT: String(claim.port) }, stdio: 'inherit' }),
    );
    children.push(...apis);
    watchExit(children, (name) => void shutdown(`${name} exited`, 1));
    await Promise.all(
      apis.map((api, i) => waitUntilReady(api, async () => (await fetch(`http://localhost:${config.PORT + i}/healthz`)).ok, 60_000, () => 'its log is above')),
    );
    say('ready.');
    apis.forEach((_, i) => say(`  API #${i + 1}        http://localhost:${config.PORT + i}`));
    say(`  workers       ${config.TOLLGATE_WORKERS} processes on task queue ${config.TEMPORAL_TASK_QUEUE}`);
    if (uiUrl) say(`  Temporal UI   ${uiUrl}`);
    if (mailpit) say(`  Mailpit       ${mailpit.uiUrl}   (every e-mail Tollgate sends; SMTP on ${mailpit.smtpUrl})`);
    say(`  Temporal      ${temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE})`);
    say(`  Postgres      ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
    say(`  admin API key ${adminKey}`);
    say('Ctrl-C stops everything.');
  } catch (err) {
    fail(err);
  }
}

/** Temporal's databases go on the same server, with the same role, as the ledger's. */
function postgresOf(databaseUrl: string): ClusterPostgres {
  const u = new URL(databaseUrl);
  return {
    host: u.hostname === 'localhost' ? '127.0.0.1' : u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** node's arguments for `dist/<part>/main.js` — or, when this runs from the source (npm run tollgate, tests), for src/ through tsx. */
function processEntry(): (part: 'api' | 'worker') => string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const root = projectRoot();
  return (part) => (fromSource ? ['--import', 'tsx', join(root, 'src', part, 'main.ts')] : [join(root, 'dist', part, 'main.js')]);
}
