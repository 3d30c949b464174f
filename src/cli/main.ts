#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../db/api-keys.js';
import { createPool } from '../db/pool.js';
import { mintApiKey } from '../api/api-keys/api-keys.router.js';
import { migrate } from '../db/migrate.js';
import { ProvisionError } from './provision/paths.js';
import { ensureTemporalCli } from './provision/temporal-cli.js';
import { ensureTimeSkippingServer } from './provision/test-server.js';
import { oneSentence } from './stack/failure-sentence.js';
import { StartError } from './stack/start-error.js';
import { startStack } from './start.js';
import { importStatementCommand } from './statements-import.js';
import { Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { setupTemporal, TemporalSetupError } from '../temporal/setup.js';

const USAGE = `tollgate <command>

  start       run the whole stack (Temporal dev server, Postgres, migrations, worker, API)
  migrate     apply database migrations to DATABASE_URL
  provision   fetch or build the Temporal CLI and the time-skipping test server into the cache
  api-key create [--name NAME] [--scopes admin,billing,read]
              mint an API key in DATABASE_URL and print it once
  temporal setup [--wait SECONDS]
              register Tollgate's search attributes in TEMPORAL_NAMESPACE at TEMPORAL_ADDRESS
              (idempotent; needed on any Temporal npm start did not start; --wait: for the server)
  statements import FILE [--format camt.053|camt.054|mt940|csv] [--csv-map NAME] [--api URL] [--key KEY]
              import a bank statement through the running API (default http://localhost:$PORT,
              key from TOLLGATE_ADMIN_API_KEY or .data/admin-api-key)
`;

async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const log = (line: string) => console.log(`[tollgate] ${line}`);
  switch (argv[0]) {
    case 'start':
      return startStack(config, process.env);
    case 'migrate': {
      if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL is required for migrate');
      const pool = createPool(config.DATABASE_URL, 1);
      const applied = await migrate(pool);
      await pool.end();
      log(applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply');
      return;
    }
    case 'provision': {
      const opts = { cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log };
      log(`Temporal CLI: ${await ensureTemporalCli({ ...opts, explicit: config.TEMPORAL_CLI })}`);
      log(`time-skipping test server: ${await ensureTimeSkippingServer(opts)}`);
      return;
    }
    case 'api-key': {
      if (argv[1] !== 'create') break;
      if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL is required for api-key create');
      const pool = createPool(config.DATABASE_URL, 1);
      try {
        const key = await mintApiKey(pool, option(argv, '--name') ?? 'created by the CLI', parseScopes(option(argv, '--scopes') ?? 'admin'));
        console.log(key);
      } finally {
        await pool.end();
      }
      return;
    }
    case 'temporal': {
      if (argv[1] !== 'setup') break;
      const wait = option(argv, '--wait') ?? '0';
      if (!/^\d+$/.test(wait)) throw new ConfigError('--wait takes a number of seconds');
      const connection = Connection.lazy(temporalConnectionOptions(config));
      try {
        await setupTemporal(connection, config.TEMPORAL_NAMESPACE, { waitMs: Number(wait) * 1000, log });
      } finally {
        await connection.close();
      }
      return;
    }
    case 'statements': {
      if (argv[1] !== 'import' || !argv[2]) break;
      process.exitCode = await importStatementCommand(
        config,
        { file: argv[2], format: option(argv, '--format'), csvMap: option(argv, '--csv-map'), api: option(argv, '--api'), key: option(argv, '--key') },
        (line) => console.log(line),
      );
      return;
    }
  }
  process.stdout.write(USAGE);
  process.exitCode = argv[0] ? 2 : 0;
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function parseScopes(text: string): ApiKeyScope[] {
  const scopes = text.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (bad.length || scopes.length === 0) throw new ConfigError(`--scopes takes a comma list of ${API_KEY_SCOPES.join(', ')}`);
  return scopes as ApiKeyScope[];
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // What the user can act on is one sentence; anything else is a bug, and its stack helps fix it.
  console.error(err instanceof ProvisionError || err instanceof ConfigError || err instanceof StartError || err instanceof TemporalSetupError ? `[tollgate] ${oneSentence(err)}` : err);
  process.exit(1);
});
