import { spawnSync } from 'node:child_process';
import { constants, existsSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, closeSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { StartError } from './start-error.js';

/** The uid/gid Postgres runs as when we are root (Postgres refuses to run as root itself). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Where root keeps what the `postgres` user must reach (binaries, and data directories that sit in
 * a private folder): root-owned and 0755 all the way up, and not wiped at boot as /tmp may be.
 * TOLLGATE_SYSTEM_DIR moves it (tests use a folder of their own).
 */
export const SYSTEM_DIR = '/var/lib/tollgate';

/**
 * base/<part>, each level made 0755 when missing — and, made or found, refused unless it is a real
 * directory (not a symlink) owned by root that neither group nor others can write, under parents
 * only root can change: root runs what it finds there, as `postgres`, and chowns and deletes in it.
 */
export function systemDir(part: string, base: string = SYSTEM_DIR): string {
  mkdirSync(dirname(base), { recursive: true, mode: 0o755 });
  checkAncestors(dirname(base));
  let dir = base;
  rootOnlyDir(dir);
  for (const name of part.split('/')) {
    dir = join(dir, name);
    rootOnlyDir(dir);
  }
  return dir;
}

/** Makes `dir` (one level) when missing; refuses it unless root alone can change it; opens it up to 0755. */
export function rootOnlyDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const wrong = notRootOnly(lstatSync(dir));
  if (wrong) throw untrusted(dir, wrong);
  // The mode bits only widen here (a private umask), never narrow: fchmod on what we opened, never through a link.
  const fd = openDirNoFollow(dir);
  try {
    const st = fstatSync(fd);
    const again = notRootOnly(st);
    if (again) throw untrusted(dir, again);
    if ((st.mode & 0o755) !== 0o755) fchmodSync(fd, (st.mode & 0o7777) | 0o755);
  } finally {
    closeSync(fd);
  }
}

const STICKY = 0o1000;

/** What is wrong with a directory root runs things from or chowns things in; undefined when nothing. */
export function notRootOnly(st: { isSymbolicLink(): boolean; isDirectory(): boolean; uid: number; mode: number }, sticky = false): string | undefined {
  if (st.isSymbolicLink()) return 'is a symlink';
  if (!st.isDirectory()) return 'is not a directory';
  if (st.uid !== 0) return `is owned by uid ${st.uid}, not root`;
  if (st.mode & 0o022 && !(sticky && st.mode & STICKY)) return `is ${st.mode & 0o002 ? 'world' : 'group'}-writable (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

/** Every folder above the system dir (symlinks resolved): root-owned, and writable by others only with the sticky bit (as /tmp). */
function checkAncestors(dir: string): void {
  const real = realpathSync(dir);
  const parts = real.split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const at = sep + parts.slice(0, i).join(sep);
    const wrong = notRootOnly(lstatSync(at), true);
    if (wrong) throw untrusted(at, wrong);
  }
}

function untrusted(path: string, wrong: string): StartError {
  return new StartError(`${path} ${wrong}, so others could change what root runs and chowns there for Postgres: make it a root-owned folder only root can write (chown root ${path} && chmod 755 ${path}), point TOLLGATE_SYSTEM_DIR at one, or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
}

/** An fd for the directory `path` itself: fails (ELOOP/ENOTDIR) when it is a symlink or not a directory. */
export function openDirNoFollow(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
}

/**
 * Root runs these tools, so they are never looked up on PATH (npm puts node_modules/.bin first):
 * the usual place, else the system folders only.
 */
const SYSTEM_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function systemTool(name: string, usual: string): string | undefined {
  return [usual, ...SYSTEM_PATH.map((d) => join(d, name))].find((p) => existsSync(p));
}

/** What the tools root runs see: no PATH or locale of the caller's. */
const TOOL_ENV = { PATH: SYSTEM_PATH.join(':'), LC_ALL: 'C' };

/** Undefined when we are not root: then Postgres simply runs as us. */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const found = lookUp('postgres');
  if (found) return found;
  const useradd = systemTool('useradd', '/usr/sbin/useradd');
  if (!useradd) {
    throw new StartError('Postgres cannot run as root and there is no `postgres` user to run it as (nor useradd to create one): create a user named postgres, run as another user, or set DATABASE_URL=postgres://… to use a Postgres of your own.');
  }
  const made = spawnSync(useradd, ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8', env: TOOL_ENV });
  const after = lookUp('postgres');
  if (!after) {
    throw new StartError(`Could not create the \`postgres\` user that Postgres runs as under root (${(made.stderr || made.error?.message || '').trim() || `exit ${made.status}`}): create it yourself or set DATABASE_URL=postgres://….`);
  }
  return after;
}

function lookUp(user: string): RunAs | undefined {
  const id = systemTool('id', '/usr/bin/id');
  if (!id) return undefined;
  const uid = spawnSync(id, ['-u', user], { encoding: 'utf8', env: TOOL_ENV });
  const gid = spawnSync(id, ['-g', user], { encoding: 'utf8', env: TOOL_ENV });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  const found = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  return Number.isInteger(found.uid) && Number.isInteger(found.gid) ? found : undefined;
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
