#!/usr/bin/env node
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { API_KEY_SCOPES, type ApiKeyScope, revokeApiKey } from '../db/api-keys.js';
import { parseIsoDurationMs } from '../domain/duration.js';
import { createPool } from '../db/pool.js';
import { mintApiKey } from '../api/api-keys/api-keys.router.js';
import { resolveExpiry } from '../api/api-keys/expiry.js';
import { migrate } from '../db/migrate.js';
import { ProvisionError } from './provision/paths.js';
import { ensureTemporalCli } from './provision/temporal-cli.js';
import { ensureTimeSkippingServer } from './provision/test-server.js';
import { ensureTemporalServer } from './provision/temporal-server.js';
import { ensureTemporalUiServer } from './provision/temporal-ui-server.js';
import { ensureStripeMock } from './provision/stripe-mock.js';
import { ensureMailpit } from './provision/mailpit.js';
import { ensureDockerCompose } from './provision/docker-compose.js';
import { oneSentence } from './stack/failure-sentence.js';
import { StartError } from './stack/start-error.js';
import { startStack } from './start.js';
import { startCluster } from './start-cluster.js';
import { importStatementCommand } from './statements-import.js';
import { importRatesCommand } from './rates-import.js';
import { Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { setupTemporal, TemporalSetupError } from '../temporal/setup.js';

const USAGE = `tollgate <command>

  start       run the whole stack (Temporal dev server, Postgres, migrations, worker, API)
  start --cluster
              the production shape: the real Temporal server on Postgres, TOLLGATE_WORKERS
              workers (3) and TOLLGATE_APIS API processes (2) on PORT, PORT+1, …
  migrate     apply database migrations to DATABASE_URL
  provision   fetch or build the Temporal CLI, the time-skipping test server and the cluster's
              Temporal server and UI server, Docker Compose (to check docker-compose.yml),
              stripe-mock and Mailpit, into the cache
  api-key create [--name NAME] [--scopes admin,billing,read] [--expires-in P30D]
              mint an API key in DATABASE_URL and print it once
  api-key revoke ID
              revoke an API key or customer token in DATABASE_URL
  temporal setup [--wait SECONDS]
              register Tollgate's search attributes in TEMPORAL_NAMESPACE at TEMPORAL_ADDRESS
              (idempotent; needed on any Temporal npm start did not start; --wait: for the server)
  statements import FILE [--format camt.053|camt.054|mt940|csv] [--csv-map NAME] [--api URL] [--key KEY]
              import a bank statement through the running API (default http://localhost:$PORT,
              key from TOLLGATE_ADMIN_API_KEY or .data/admin-api-key)
  rates import --source ecb|nbp FILE-OR-URL [--api URL] [--key KEY]
              import the ECB reference rates or an NBP table A through the running API; a URL is
              fetched by the API (its host must be in OUTBOUND_ALLOWED_HOSTS)
`;

/** A command line the CLI cannot act on: one sentence, exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict parsing for every command: `--scopes=read` and `--scopes read` mean the same, an unknown
 * flag or a missing value is an error instead of being ignored, and positionals are counted.
 */
function args<O extends Options>(argv: string[], command: string, options: O, positionals: { min: number; max: number; names?: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\s+/g, ' ').replace(/\. To specify .*$/, '').trim()} (see tollgate --help)`);
  }
  // parseArgs keeps the last of a repeated flag: `--scopes read --scopes admin` would mint an admin key.
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new UsageError(`${command}: --${t.name} is given more than once (see tollgate --help)`);
    seen.add(t.name);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`${command} needs ${positionals.names ?? 'more arguments'} (see tollgate --help)`);
  if (n > positionals.max) throw new UsageError(`${command} takes no argument "${parsed.positionals[positionals.max]}" (see tollgate --help)`);
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const log = (line: string) => console.log(`[tollgate] ${line}`);
  const [command, sub] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  switch (command) {
    case 'start': {
      const { values } = args(argv.slice(1), 'start', { cluster: { type: 'boolean' } }, { min: 0, max: 0 });
      return values.cluster ? startCluster(loadConfig(), process.env) : startStack(loadConfig(), process.env);
    }
    case 'migrate': {
      args(argv.slice(1), 'migrate', {}, { min: 0, max: 0 });
      const config = loadConfig();
      if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL is required for migrate');
      const pool = createPool(config.DATABASE_URL, 1);
      const applied = await migrate(pool);
      await pool.end();
      log(applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply');
      return;
    }
    case 'provision': {
      args(argv.slice(1), 'provision', {}, { min: 0, max: 0 });
      const config = loadConfig();
      const opts = { cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log };
      log(`Temporal CLI: ${await ensureTemporalCli({ ...opts, explicit: config.TEMPORAL_CLI })}`);
      log(`time-skipping test server: ${await ensureTimeSkippingServer(opts)}`);
      log(`Temporal server (cluster): ${(await ensureTemporalServer(opts)).server}`);
      log(`Temporal UI server (cluster): ${await ensureTemporalUiServer(opts)}`);
      log(`Docker Compose (checks docker-compose.yml): ${await ensureDockerCompose(opts)}`);
      log(`stripe-mock (the Stripe adapter's tests and development gateway): ${await ensureStripeMock({ ...opts, explicit: config.STRIPE_MOCK })}`);
      log(`Mailpit (the development SMTP server and its web UI): ${await ensureMailpit({ ...opts, explicit: config.MAILPIT })}`);
      return;
    }
    case 'api-key': {
      if (sub === 'create') {
        const { values } = args(argv.slice(2), 'api-key create', { name: { type: 'string' }, scopes: { type: 'string' }, 'expires-in': { type: 'string' } }, { min: 0, max: 0 });
        const scopes = parseScopes(values.scopes ?? 'admin');
        const expiresAt = values['expires-in'] === undefined ? null : expiryFrom(values['expires-in']);
        return withPool('api-key create', async (pool) => console.log(await mintApiKey(pool, values.name ?? 'created by the CLI', scopes, expiresAt)));
      }
      if (sub === 'revoke') {
        const { positionals } = args(argv.slice(2), 'api-key revoke', {}, { min: 1, max: 1, names: 'the id of the key (key_…)' });
        const id = positionals[0] ?? '';
        return withPool('api-key revoke', async (pool) => {
          const row = await revokeApiKey(pool, id);
          if (!row) throw new UsageError(`no API key has the id ${id}`);
          log(`revoked ${row.id} (${row.name}) at ${row.revoked_at?.toISOString() ?? ''}`);
        });
      }
      throw new UsageError(`api-key takes create or revoke, not ${sub === undefined ? 'nothing' : `"${sub}"`} (see tollgate --help)`);
    }
    case 'temporal': {
      if (sub !== 'setup') throw new UsageError(`temporal takes setup, not ${sub === undefined ? 'nothing' : `"${sub}"`} (see tollgate --help)`);
      const { values } = args(argv.slice(2), 'temporal setup', { wait: { type: 'string' } }, { min: 0, max: 0 });
      const wait = values.wait ?? '0';
      if (!/^\d+$/.test(wait)) throw new UsageError('temporal setup: --wait takes a number of seconds (see tollgate --help)');
      const config = loadConfig();
      const connection = Connection.lazy(temporalConnectionOptions(config));
      try {
        await setupTemporal(connection, config.TEMPORAL_NAMESPACE, { waitMs: Number(wait) * 1000, log });
      } finally {
        await connection.close();
      }
      return;
    }
    case 'statements': {
      if (sub !== 'import') throw new UsageError(`statements takes import, not ${sub === undefined ? 'nothing' : `"${sub}"`} (see tollgate --help)`);
      const { values, positionals } = args(
        argv.slice(2),
        'statements import',
        { format: { type: 'string' }, 'csv-map': { type: 'string' }, api: { type: 'string' }, key: { type: 'string' } },
        { min: 1, max: 1, names: 'the statement FILE' },
      );
      process.exitCode = await importStatementCommand(
        loadConfig(),
        { file: positionals[0] ?? '', format: values.format, csvMap: values['csv-map'], api: values.api, key: values.key },
        (line) => console.log(line),
      );
      return;
    }
    case 'rates': {
      if (sub !== 'import') throw new UsageError(`rates takes import, not ${sub === undefined ? 'nothing' : `"${sub}"`} (see tollgate --help)`);
      const { values, positionals } = args(argv.slice(2), 'rates import', { source: { type: 'string' }, api: { type: 'string' }, key: { type: 'string' } }, { min: 1, max: 1, names: 'the rates FILE or URL' });
      process.exitCode = await importRatesCommand(loadConfig(), { source: values.source, target: positionals[0] ?? '', api: values.api, key: values.key }, (line) => console.log(line));
      return;
    }
  }
  throw new UsageError(`unknown command "${command}" (see tollgate --help)`);
}

async function withPool(command: string, fn: (pool: ReturnType<typeof createPool>) => Promise<void>): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new ConfigError(`DATABASE_URL is required for ${command}`);
  const pool = createPool(config.DATABASE_URL, 1);
  try {
    await fn(pool);
  } finally {
    await pool.end();
  }
}

function parseScopes(text: string): ApiKeyScope[] {
  const scopes = text.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(MINTABLE_SCOPES as readonly string[]).includes(s));
  if (bad.length > 0) throw new UsageError(`--scopes takes a comma list of ${MINTABLE_SCOPES.join(', ')}, not "${bad.join(',')}"`);
  return scopes as ApiKeyScope[];
}

// "customer" belongs to customer tokens, which POST /v1/customers/:id/tokens mints for one customer.
const MINTABLE_SCOPES = API_KEY_SCOPES.filter((s) => s !== 'customer');

function expiryFrom(duration: string): Date {
  try {
    // The API's rule: a positive duration, ten years at most.
    return resolveExpiry({ expires_in: duration }, new Date()) ?? new Date(Date.now() + parseIsoDurationMs(duration));
  } catch (err) {
    throw new UsageError(`--expires-in: ${(err as Error).message.replace(/^expires_in: /, '')}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // What the user can act on is one sentence; anything else is a bug, and its stack helps fix it.
  if (err instanceof UsageError) {
    console.error(`[tollgate] ${err.message}`);
    process.exit(2);
  }
  console.error(err instanceof ProvisionError || err instanceof ConfigError || err instanceof StartError || err instanceof TemporalSetupError ? `[tollgate] ${oneSentence(err)}` : err);
  process.exit(1);
});
