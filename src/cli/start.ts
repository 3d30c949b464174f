import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { superviseStart } from './stack/supervisor.js';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { generateApiKey } from '../api/api-keys/api-keys.router.js';
import { projectRoot } from './provision/paths.js';
import { ensureMailpit } from './provision/mailpit.js';
import { ensureStripeMock } from './provision/stripe-mock.js';
import { ensureTemporalCli } from './provision/temporal-cli.js';
import { type ManagedChild, startChild, waitUntilReady } from './stack/child-process.js';
import { claimPorts, type PortClaim } from './stack/ports.js';
import { startLedgerPostgres } from './stack/ledger-postgres.js';
import { startMailpit } from './stack/mailpit.js';
import { localStripeMockPorts, startStripeMock } from './stack/stripe-mock.js';
import { StartError } from './stack/start-error.js';
import { startTemporalDevServer } from './stack/temporal-dev-server.js';

const say = (line: string) => console.log(`[tollgate] ${line}`);

/**
 * `npm start`: the whole stack on one machine. Temporal dev server and embedded Postgres unless
 * TEMPORAL_ADDRESS / DATABASE_URL point elsewhere; Mailpit in development unless SMTP_URL is set;
 * migrations; the worker and the API as child
 * processes. Ctrl-C or SIGTERM stops everything it started, in reverse order; so does a start that
 * fails half-way, which then says why in one sentence.
 */
export async function startStack(config: Config, env: NodeJS.ProcessEnv): Promise<void> {
  const dataDir = resolve(config.TOLLGATE_DATA_DIR);
  const { markStarted, shutdown, fail } = superviseStart(dataDir);

  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    const claims = portClaims(config);
    const { stripeMocks: stripeMockClaims, mailpit: mailpitClaims, ...serverClaims } = claims;
    await claimPorts([...Object.values(serverClaims).filter((c) => c !== undefined), ...stripeMockClaims, ...mailpitClaims]);

    // Temporal
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      const cli = await ensureTemporalCli({ explicit: config.TEMPORAL_CLI, cacheOverride: config.TOLLGATE_CACHE_DIR, env, log: say });
      await claimPorts([claims.temporal!, claims.ui!]); // again: provisioning may have taken minutes
      say(`starting the Temporal dev server (state in ${join(dataDir, 'temporal.db')})…`);
      markStarted();
      const dev = await startTemporalDevServer({
        cli,
        port: config.TOLLGATE_TEMPORAL_PORT,
        uiPort: config.TOLLGATE_UI_PORT,
        dbFile: join(dataDir, 'temporal.db'),
        logFile: join(dataDir, 'temporal.log'),
      });
      temporalAddress = dev.address;
      uiUrl = dev.uiUrl;
    }

    // Postgres
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      await claimPorts([claims.postgres!]);
      markStarted();
      databaseUrl = await startLedgerPostgres(config, env, dataDir, say);
    }

    await migrateOrExplain(databaseUrl, config.DATABASE_URL !== undefined);

    // stripe-mock, for each stripe gateway whose api_base is this machine (development only: production refuses api_base)
    const stripeMocks: string[] = [];
    for (const claim of claims.stripeMocks) {
      const binary = await ensureStripeMock({ explicit: config.STRIPE_MOCK, cacheOverride: config.TOLLGATE_CACHE_DIR, env, log: say });
      await claimPorts([claim]);
      markStarted();
      stripeMocks.push((await startStripeMock({ binary, port: claim.port, logFile: join(dataDir, `stripe-mock-${claim.port}.log`) })).url);
    }

    // Mailpit: every e-mail Tollgate sends lands in its web UI, kept across restarts in the data directory.
    let smtpUrl = config.SMTP_URL;
    let mailpitUi: string | undefined;
    if (mailpitClaims.length) {
      const binary = await ensureMailpit({ explicit: config.MAILPIT, cacheOverride: config.TOLLGATE_CACHE_DIR, env, log: say });
      await claimPorts(mailpitClaims);
      markStarted();
      const mailpit = await startMailpit({
        binary,
        uiPort: config.TOLLGATE_MAILPIT_PORT,
        smtpPort: config.TOLLGATE_SMTP_PORT,
        logFile: join(dataDir, 'mailpit.log'),
        database: join(dataDir, 'mailpit.db'),
      });
      smtpUrl = mailpit.smtpUrl;
      mailpitUi = mailpit.uiUrl;
    }

    const adminKey = config.TOLLGATE_ADMIN_API_KEY ?? loadOrCreateAdminKey(dataDir);
    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      TOLLGATE_ADMIN_API_KEY: adminKey,
      ...(smtpUrl && { SMTP_URL: smtpUrl }),
    };
    const dist = join(projectRoot(), 'dist');
    await claimPorts([claims.api]);
    markStarted();
    const worker = startChild('worker', process.execPath, [join(dist, 'worker', 'main.js')], { env: childEnv, stdio: 'inherit' });
    const api = startChild('API', process.execPath, [join(dist, 'api', 'main.js')], { env: childEnv, stdio: 'inherit' });
    watchExit([worker, api], (name) => void shutdown(`${name} exited`, 1));

    const apiUrl = `http://localhost:${config.PORT}`;
    await waitUntilReady(api, async () => (await fetch(`${apiUrl}/healthz`)).ok, 60_000, () => 'its log is above');
    say('ready.');
    say(`  API           ${apiUrl}`);
    say(`  API docs      ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
    if (uiUrl) say(`  Temporal UI   ${uiUrl}`);
    for (const url of stripeMocks) say(`  stripe-mock   ${url}   (Stripe's API mock: no real money, no webhooks)`);
    say(mailpitUi ? `  Mailpit       ${mailpitUi}   (every e-mail Tollgate sends; SMTP on ${smtpUrl})` : smtpUrl ? `  SMTP          ${smtpUrl.replace(/\/\/[^@/]*@/, '//***@')}` : '  e-mail        off (SMTP_URL is unset)');
    say(`  Temporal      ${temporalAddress}`);
    say(`  Postgres      ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
    say(`  admin API key ${adminKey}`);
    say('Ctrl-C stops everything.');
  } catch (err) {
    fail(err);
  }
}

/** The ports of the servers this start will run (none for a server given by TEMPORAL_ADDRESS / DATABASE_URL). */
function portClaims(config: Config): { temporal?: PortClaim; ui?: PortClaim; postgres?: PortClaim; api: PortClaim; stripeMocks: PortClaim[]; mailpit: PortClaim[] } {
  const ownTemporal = !config.TEMPORAL_ADDRESS;
  return {
    ...(ownTemporal && {
      temporal: { port: config.TOLLGATE_TEMPORAL_PORT, host: '127.0.0.1', what: 'Temporal dev server', variable: 'TOLLGATE_TEMPORAL_PORT', instead: 'TEMPORAL_ADDRESS=host:port' },
      ui: { port: config.TOLLGATE_UI_PORT, host: '127.0.0.1', what: 'Temporal UI', variable: 'TOLLGATE_UI_PORT' },
    }),
    ...(!config.DATABASE_URL && {
      postgres: { port: config.TOLLGATE_POSTGRES_PORT, host: '127.0.0.1', what: 'embedded Postgres', variable: 'TOLLGATE_POSTGRES_PORT', instead: 'DATABASE_URL=postgres://…' },
    }),
    api: { port: config.PORT, host: config.HOST, what: 'API', variable: 'PORT' },
    mailpit: mailpitPortClaims(config),
    stripeMocks: localStripeMockPorts(config.gateways).map(({ port, gateway }) => ({ port, host: '127.0.0.1', what: 'stripe-mock', variable: `the port in gateway "${gateway}"'s api_base` })),
  };
}

/** Mailpit's two ports when this start runs one: development, and SMTP_URL unset (a server of the user's own wins). */
export function mailpitPortClaims(config: Config): PortClaim[] {
  if (config.SMTP_URL || config.TOLLGATE_ENV !== 'development') return [];
  const instead = 'SMTP_URL=smtp://host:port';
  return [
    { port: config.TOLLGATE_MAILPIT_PORT, host: '127.0.0.1', what: 'Mailpit web UI', variable: 'TOLLGATE_MAILPIT_PORT', instead },
    { port: config.TOLLGATE_SMTP_PORT, host: '127.0.0.1', what: 'Mailpit SMTP', variable: 'TOLLGATE_SMTP_PORT', instead },
  ];
}

export async function migrateOrExplain(databaseUrl: string, given: boolean): Promise<void> {
  const pool = createPool(databaseUrl, 2);
  pool.on('error', () => undefined); // an idle client's error is the same failure the query reports
  try {
    const applied = await migrate(pool);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const unreachable = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === '28P01' || code === '3D000';
    if (!unreachable) throw err;
    const where = new URL(databaseUrl).host;
    const what = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new StartError(
      given
        ? `Cannot use the Postgres at DATABASE_URL (${where}: ${what}): check that it runs and the URL is right, or unset DATABASE_URL to let npm start run an embedded one.`
        : `Cannot use the embedded Postgres at ${where} (${what}).`,
    );
  } finally {
    await pool.end().catch(() => undefined);
  }
}

export function watchExit(children: ManagedChild[], onExit: (name: string) => void): void {
  for (const c of children) void c.exited.then(() => onExit(c.name));
}

/** The generated admin key survives restarts, so a second `npm start` prints the same one. */
export function loadOrCreateAdminKey(dataDir: string): string {
  const file = join(dataDir, 'admin-api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
