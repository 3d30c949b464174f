import { createHash } from 'node:crypto';
import { closeSync, fchownSync, fstatSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, rmSync, type Stats, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { canUseDir, openDirNoFollow, type RunAs, systemDir } from './postgres-user.js';
import { StartError } from './start-error.js';

/**
 * Where Postgres really keeps the data asked for at `requested`. Not root: there. Root: there too,
 * owned by `postgres`, when that user can reach it; when it cannot (the clone sits in a private
 * folder), in SYSTEM_DIR/postgres-data/<hash of the requested path> with `requested` a symlink to
 * it — so the same clone finds the same cluster after a restart, and `ls -l` shows where it is.
 *
 * As root nothing here follows a link someone else may have planted: `requested` may be a symlink
 * only to exactly that SYSTEM_DIR path (else it is refused), and chown goes through a directory
 * opened with O_NOFOLLOW, never through a path.
 */
export function placeDataDir(requested: string, runAs: RunAs | undefined, sys: string): string {
  const wanted = resolve(requested);
  if (!runAs) {
    mkdirSync(wanted, { recursive: true });
    return wanted;
  }
  const elsewhere = placeElsewhere(wanted, sys);
  const found = lstatOrUndefined(wanted);
  if (found?.isSymbolicLink()) {
    const target = readlinkSync(wanted);
    if (target !== elsewhere) {
      throw new StartError(`Postgres's data directory ${wanted} is a symlink to ${target}, not to ${elsewhere} where Tollgate keeps it, so Tollgate will not create, chown or delete anything through it: remove the link and start again.`);
    }
    systemDir('postgres-data', sys);
    ownedDir(elsewhere, runAs);
    return elsewhere;
  }
  if (found && !found.isDirectory()) {
    throw new StartError(`Postgres's data directory ${wanted} exists and is not a directory: move it away and start again.`);
  }
  mkdirSync(dirname(wanted), { recursive: true, mode: 0o755 });
  const fresh = ownedDir(wanted, runAs);
  if (canUseDir(runAs, wanted)) return wanted;
  if (!fresh && readdirSync(wanted).length > 0) {
    throw new StartError(`The postgres user cannot reach Postgres's data directory ${wanted} (a folder above it is private): move it to a folder it can reach, or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
  }
  rmdirSync(wanted);
  systemDir('postgres-data', sys);
  ownedDir(elsewhere, runAs);
  symlinkSync(elsewhere, wanted);
  return elsewhere;
}

/**
 * Deletes the cluster placeDataDir put at `placed` for `requested`, and nothing else: the exact
 * SYSTEM_DIR path (and the link to it, if it still names it), or the directory at `requested`
 * itself — never what a link there points at now.
 */
export function removeDataDir(requested: string, placed: string, sys: string): void {
  const wanted = resolve(requested);
  if (placed === wanted) {
    // rm does not follow a link at the top; a directory is all placeDataDir leaves here.
    if (lstatOrUndefined(wanted)?.isDirectory()) rmSync(wanted, { recursive: true, force: true });
    return;
  }
  if (placed !== placeElsewhere(wanted, sys)) return;
  rmSync(placed, { recursive: true, force: true });
  if (lstatOrUndefined(wanted)?.isSymbolicLink() && readlinkSync(wanted) === placed) unlinkSync(wanted);
}

/** SYSTEM_DIR/postgres-data/<hash of the requested path>: the one place a link at `wanted` may name. */
function placeElsewhere(wanted: string, sys: string): string {
  return join(sys, 'postgres-data', createHash('sha256').update(wanted).digest('hex').slice(0, 16));
}

/**
 * Makes `dir` (0700) if missing and hands it to `runAs`, through an fd opened with O_NOFOLLOW so a
 * link swapped in at `dir` is refused rather than followed. True when this call created it.
 */
function ownedDir(dir: string, runAs: RunAs): boolean {
  let made = false;
  try {
    mkdirSync(dir, { mode: 0o700 });
    made = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let fd: number;
  try {
    fd = openDirNoFollow(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      throw new StartError(`Postgres's data directory ${dir} was replaced by ${code === 'ELOOP' ? 'a symlink' : 'something that is not a directory'} while Tollgate was preparing it, so Tollgate will not chown it: remove it and start again.`);
    }
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (st.uid !== runAs.uid && !made && !isEmpty(fd, dir)) {
      // Someone else's files: handing the folder to `postgres` would not make them usable, only exposed.
      throw new StartError(`Postgres's data directory ${dir} belongs to uid ${st.uid}, not to the postgres user, and is not empty: Tollgate will not hand it over; move it away, or chown -R postgres it yourself if it is a cluster of yours.`);
    }
    if (st.uid !== runAs.uid || st.gid !== runAs.gid) fchownSync(fd, runAs.uid, runAs.gid);
  } finally {
    closeSync(fd);
  }
  return made;
}

/** Whether the directory open at `fd` is empty (read through the fd itself on Linux, else by path). */
function isEmpty(fd: number, path: string): boolean {
  try {
    return readdirSync(`/proc/self/fd/${fd}`).length === 0;
  } catch {
    return readdirSync(path).length === 0;
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
