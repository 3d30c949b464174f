/**
 * `npm test`: provisions what is missing, starts one Temporal dev server, one Postgres, one
 * stripe-mock and one Mailpit for the whole run, migrates, then runs every test file with node's test runner and tears it all down.
 * Test files get the addresses through TOLLGATE_TEST_* variables (test/support/env.ts).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { ensureMailpit } from '../src/cli/provision/mailpit.js';
import { ensureStripeMock } from '../src/cli/provision/stripe-mock.js';
import { ensureTemporalCli } from '../src/cli/provision/temporal-cli.js';
import { ensureTimeSkippingServer } from '../src/cli/provision/test-server.js';
import { projectRoot, ProvisionError } from '../src/cli/provision/paths.js';
import { oneSentence } from '../src/cli/stack/failure-sentence.js';
import { StartError } from '../src/cli/stack/start-error.js';
import { startEmbeddedPostgres } from '../src/cli/stack/postgres.js';
import { startMailpit } from '../src/cli/stack/mailpit.js';
import { startStripeMock } from '../src/cli/stack/stripe-mock.js';
import { startTemporalDevServer } from '../src/cli/stack/temporal-dev-server.js';
import { exportHistories } from './replay/export-histories.js';
import { freePort } from './support/free-port.js';

const say = (line: string) => console.log(`[test] ${line}`);
const LEVELS = ['unit', 'stack', 'workflow', 'integration', 'browser'] as const;

function testFiles(filter: string[]): string[] {
  const root = join(projectRoot(), 'test');
  const files = LEVELS.flatMap((level) =>
    readdirSync(join(root, level), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => join(root, level, f)),
  );
  return filter.length ? files.filter((f) => filter.some((x) => relative(root, f).includes(x))) : files;
}

async function main(): Promise<number> {
  // npm test is development: sandbox gateways and development secrets, whatever the shell exports.
  const config = loadConfig({ ...process.env, TOLLGATE_ENV: 'development' });
  const files = testFiles(process.argv.slice(2));
  const needsServers = files.some((f) => !f.includes(`${join('test', 'unit')}`));
  const scratch = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
  chmodSync(scratch, 0o755); // Postgres runs as its own user when we are root
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(scratch, { recursive: true, force: true })];
  const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_ENV: 'development', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' };
  try {
    if (needsServers) {
      const provisionOpts = { cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log: say };
      const [cli, timeSkipping] = await Promise.all([
        ensureTemporalCli({ ...provisionOpts, explicit: config.TEMPORAL_CLI }),
        ensureTimeSkippingServer(provisionOpts),
      ]);
      // After the others: a run that stops on a missing tool there starts no Go build it would leave behind.
      const stripeMockBinary = await ensureStripeMock({ ...provisionOpts, explicit: config.STRIPE_MOCK });
      const mailpitBinary = await ensureMailpit({ ...provisionOpts, explicit: config.MAILPIT });
      const [temporalPort, pgPort, stripeMockPort, mailpitPort, smtpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
      say('starting the Temporal dev server, Postgres, stripe-mock and Mailpit for this run…');
      const [dev, postgres, stripeMock, mailpit] = await Promise.all([
        startTemporalDevServer({ cli, port: temporalPort, logFile: join(scratch, 'temporal.log') }),
        startEmbeddedPostgres({
          dataDir: join(scratch, 'postgres'),
          port: pgPort,
          persistent: false,
          durable: false,
          onLog: () => undefined,
          systemDir: config.TOLLGATE_SYSTEM_DIR,
        }),
        startStripeMock({ binary: stripeMockBinary, port: stripeMockPort, logFile: join(scratch, 'stripe-mock.log') }),
        // Every message of the run is kept: test files find theirs by a recipient of their own.
        startMailpit({ binary: mailpitBinary, uiPort: mailpitPort, smtpPort, logFile: join(scratch, 'mailpit.log'), maxMessages: 0 }),
      ]);
      cleanups.push(() => dev.child.stop(), () => postgres.stop(), () => stripeMock.child.stop(), () => mailpit.child.stop());
      await postgres.createDatabase('tollgate_test');
      const pool = createPool(postgres.url('tollgate_test'), 1);
      await migrate(pool);
      await pool.end();
      Object.assign(env, {
        TOLLGATE_TEST_TEMPORAL_ADDRESS: dev.address,
        TOLLGATE_TEST_DATABASE_URL: postgres.url('tollgate_test'),
        TOLLGATE_TEST_POSTGRES_ADMIN_URL: postgres.url('postgres'),
        TOLLGATE_TEST_TIME_SKIPPING_SERVER: timeSkipping,
        TOLLGATE_TEST_TEMPORAL_CLI: cli,
        TOLLGATE_TEST_STRIPE_MOCK_URL: stripeMock.url,
        TOLLGATE_TEST_MAILPIT_URL: mailpit.uiUrl,
        TOLLGATE_TEST_SMTP_URL: mailpit.smtpUrl,
        TOLLGATE_TEST_MAILPIT: mailpitBinary,
      });
    }
    say(`running ${files.length} test files`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
        env,
        stdio: 'inherit',
      });
      child.on('close', (code) => resolve(code ?? 1));
    });
    // The replay fixtures: the histories of the workflows this run closed (test/replay/export-histories.ts).
    const recordTo = process.env.TOLLGATE_RECORD_HISTORIES;
    if (recordTo && env.TOLLGATE_TEST_TEMPORAL_ADDRESS) {
      const perType = Number(process.env.TOLLGATE_RECORD_HISTORIES_PER_TYPE ?? 6);
      await exportHistories({ address: env.TOLLGATE_TEST_TEMPORAL_ADDRESS, out: recordTo, perType, filters: process.argv.slice(2), log: say });
    }
    return code;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => say(`cleanup: ${String(err)}`));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A missing tool or a server that cannot start is one sentence; anything else is a bug to read the stack of.
    console.error(err instanceof ProvisionError || err instanceof StartError ? `[test] ${oneSentence(err)}` : err);
    process.exit(1);
  },
);
