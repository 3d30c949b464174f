/**
 * `npm run test:reliability` (issue 10 §2): provisions the real Temporal server 1.29.1, starts one
 * shared cluster — embedded Postgres, the Temporal server on it, worker processes and two API
 * processes — and runs every test/reliability/**\/*.test.ts file (filtered like `npm test -- x`)
 * with node's test runner, one file at a time, handing the addresses through the same
 * TOLLGATE_TEST_* variables test/run.ts uses plus TOLLGATE_TEST_API_URLS and TOLLGATE_TEST_ADMIN_KEY
 * (test/support/env.ts). Fault scenarios start clusters of their own (test/reliability/support/).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { ensureTemporalCli } from '../../src/cli/provision/temporal-cli.js';
import { ensureTemporalServer } from '../../src/cli/provision/temporal-server.js';
import { projectRoot, ProvisionError } from '../../src/cli/provision/paths.js';
import { stopAllChildren } from '../../src/cli/stack/child-process.js';
import { oneSentence } from '../../src/cli/stack/failure-sentence.js';
import { StartError } from '../../src/cli/stack/start-error.js';
import { startReliabilityCluster } from './support/cluster.js';

const say = (line: string) => console.log(`[reliability] ${line}`);
/** Each file gets this long before it is killed; the suite as a whole must stay well within 20 minutes. */
const FILE_TIMEOUT_MS = 15 * 60_000;

function testFiles(filter: string[]): string[] {
  const root = join(projectRoot(), 'test');
  const files = readdirSync(join(root, 'reliability'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(root, 'reliability', f));
  return filter.length ? files.filter((f) => filter.some((x) => relative(root, f).includes(x))) : files;
}

/** The file running now: a Ctrl-C or SIGTERM of the runner reaches it, so it stops its own clusters. */
let runningFile: ReturnType<typeof spawn> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the running file and the shared cluster`);
    const stopShared = () => void stopAllChildren(() => undefined).finally(() => process.exit(1));
    const file = runningFile;
    if (file?.pid === undefined) return stopShared();
    file.once('close', stopShared);
    process.kill(-file.pid, 'SIGTERM'); // the runner and the file; the file's hooks stop the clusters it started
  });
}

/** One file in its own node --test process; resolves with its exit code (1 when it overran). */
function runFile(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = (runningFile = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${FILE_TIMEOUT_MS}`, file], {
      env,
      stdio: 'inherit',
      detached: true, // its own group: an overrun kills the file and every process it started
    }));
    const timer = setTimeout(() => {
      say(`${relative(projectRoot(), file)} overran ${FILE_TIMEOUT_MS / 60_000} minutes: killing it`);
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, FILE_TIMEOUT_MS + 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      runningFile = undefined;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL'); // anything of the file's that outlived it
        } catch {
          // nothing left
        }
      }
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<number> {
  const config = loadConfig({ ...process.env, TOLLGATE_ENV: 'development' });
  const files = testFiles(process.argv.slice(2));
  if (files.length === 0) {
    say('no reliability test file matches');
    return 1;
  }
  const t0 = Date.now();
  const provisionOpts = { cacheOverride: config.TOLLGATE_CACHE_DIR, env: process.env, log: say };
  const [cli] = await Promise.all([ensureTemporalCli({ ...provisionOpts, explicit: config.TEMPORAL_CLI }), ensureTemporalServer(provisionOpts)]);
  say('starting the shared cluster: embedded Postgres, the Temporal server 1.29.1 on it, 3 workers, 2 APIs…');
  const cluster = await startReliabilityCluster({ workers: 3, apis: 2, log: say, cacheDir: config.TOLLGATE_CACHE_DIR, systemDir: config.TOLLGATE_SYSTEM_DIR });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TOLLGATE_ENV: 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    TOLLGATE_TEST_DATABASE_URL: cluster.databaseUrl,
    TOLLGATE_TEST_POSTGRES_ADMIN_URL: cluster.postgresAdminUrl,
    TOLLGATE_TEST_TEMPORAL_ADDRESS: cluster.temporalAddress,
    TOLLGATE_TEST_TEMPORAL_CLI: cli,
    TOLLGATE_TEST_API_URLS: cluster.apis.map((a) => a.url).join(','),
    TOLLGATE_TEST_ADMIN_KEY: cluster.adminKey,
    TOLLGATE_TEST_TASK_QUEUE: cluster.taskQueue,
  };
  const failed: string[] = [];
  try {
    for (const file of files) {
      const name = relative(projectRoot(), file);
      const started = Date.now();
      say(`running ${name}`);
      const code = await runFile(file, env);
      say(`${name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      if (code !== 0) failed.push(name);
    }
  } finally {
    await cluster.stop();
  }
  say(`${files.length - failed.length} of ${files.length} files passed in ${((Date.now() - t0) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err instanceof ProvisionError || err instanceof StartError ? `[reliability] ${oneSentence(err)}` : err);
    await stopAllChildren(() => undefined);
    process.exit(1);
  },
);
