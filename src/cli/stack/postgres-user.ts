import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath } from '../provision/paths.js';
import { StartError } from './start-error.js';

/** The uid/gid Postgres runs as when we are root (Postgres refuses to run as root itself). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Where root keeps what the `postgres` user must reach (binaries, and data directories that sit in
 * a private folder): root-owned and 0755 all the way up, and not wiped at boot as /tmp may be.
 */
export const SYSTEM_DIR = '/var/lib/tollgate';

/** SYSTEM_DIR/<part>, made 0755 at every level whatever the umask, so `postgres` can pass through. */
export function systemDir(part: string): string {
  for (const dir of [SYSTEM_DIR, join(SYSTEM_DIR, part)]) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
  }
  return join(SYSTEM_DIR, part);
}

const SBIN = ['/usr/sbin', '/sbin'];

/** Undefined when we are not root: then Postgres simply runs as us. */
export function postgresRunAs(env: NodeJS.ProcessEnv): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const found = lookUp('postgres', env);
  if (found) return found;
  const useradd = findOnPath('useradd', env.PATH) ?? SBIN.map((d) => `${d}/useradd`).find((p) => existsSync(p));
  if (!useradd) {
    throw new StartError('Postgres cannot run as root and there is no `postgres` user to run it as (nor useradd to create one): create a user named postgres, run as another user, or set DATABASE_URL=postgres://… to use a Postgres of your own.');
  }
  const made = spawnSync(useradd, ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
  const after = lookUp('postgres', env);
  if (!after) {
    throw new StartError(`Could not create the \`postgres\` user that Postgres runs as under root (${(made.stderr || made.error?.message || '').trim() || `exit ${made.status}`}): create it yourself or set DATABASE_URL=postgres://….`);
  }
  return after;
}

function lookUp(user: string, env: NodeJS.ProcessEnv): RunAs | undefined {
  const id = findOnPath('id', env.PATH) ?? ['/usr/bin/id', '/bin/id'].find((p) => existsSync(p));
  if (!id) return undefined;
  const uid = spawnSync(id, ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync(id, ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Whether `runAs` can run `cmd args` successfully — the only sure test of what that user can reach. */
export function succeedsAs(runAs: RunAs, cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Whether `runAs` may enter and write `dir` (every folder above it must let them through). */
export function canUseDir(runAs: RunAs, dir: string): boolean {
  const test = ['/usr/bin/test', '/bin/test'].find((p) => existsSync(p));
  // Without a `test` to ask, assume not: the caller then picks a place that is reachable for sure.
  return test !== undefined && succeedsAs(runAs, test, ['-w', dir, '-a', '-x', dir]);
}
