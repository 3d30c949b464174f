import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { testSystemDir } from './system-dir.js';

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Runs `tollgate <args>` from the source, as `npm run tollgate` does, with exactly the environment given. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, script = join('src', 'cli', 'main.ts')): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: projectRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const made: string[] = [];
// Removed when the test file's process ends, whatever the outcome: each run makes a dozen of them.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A private (0700, as mkdtemp makes it) folder, like a new user's checkout under /root. */
export function privateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A PATH that holds `node` and nothing else: no go, java, mvn, temporal or chromium. */
export function nodeOnlyPath(): string {
  const bin = privateDir('tollgate-bin-');
  symlinkSync(process.execPath, join(bin, 'node'));
  return bin;
}

/** Pids of live processes whose command line mentions `needle` (e.g. a test's own data dir). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}

/**
 * The environment a new user's shell would hand `npm start`, minus anything of this test run's —
 * but for e-mail: SMTP_URL is the run's Mailpit, so a start runs no Mailpit of its own on the fixed
 * 8025/1025 that concurrent starts would fight over (a test of that path sets SMTP_URL '' and ports).
 */
export function startEnv(over: Record<string, string>): NodeJS.ProcessEnv {
  const mail = { SMTP_URL: process.env.TOLLGATE_TEST_SMTP_URL ?? '', MAILPIT: process.env.TOLLGATE_TEST_MAILPIT ?? '' };
  // As root, a start places Postgres in a system dir of its own, never in the machine's /var/lib/tollgate.
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', TOLLGATE_SYSTEM_DIR: testSystemDir(), ...mail, ...over };
  for (const name of Object.keys(env)) if (name.startsWith('TOLLGATE_TEST_')) delete env[name];
  if (!over.DATABASE_URL) delete env.DATABASE_URL;
  if (!over.TEMPORAL_ADDRESS) delete env.TEMPORAL_ADDRESS;
  return env;
}

/** A stack trace's frames look like `    at fn (file:line:col)`. */
export const STACK_FRAME = /^\s+at .+[:(]/m;
