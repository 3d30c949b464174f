import { createHash } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { canUseDir, type RunAs, systemDir } from './postgres-user.js';
import { StartError } from './start-error.js';

/**
 * Where Postgres really keeps the data asked for at `requested`. Not root: there. Root: there too,
 * owned by `postgres`, when that user can reach it; when it cannot (the clone sits in a private
 * folder), in SYSTEM_DIR/postgres-data/<hash of the requested path> with `requested` a symlink to
 * it — so the same clone finds the same cluster after a restart, and `ls -l` shows where it is.
 */
export function placeDataDir(requested: string, runAs: RunAs | undefined): string {
  const wanted = resolve(requested);
  if (!runAs) {
    mkdirSync(wanted, { recursive: true });
    return wanted;
  }
  if (isSymlink(wanted)) return ownedDir(realpathOrTarget(wanted), runAs);
  const fresh = !existsSync(wanted);
  ownedDir(wanted, runAs);
  if (canUseDir(runAs, wanted)) return wanted;
  if (!fresh && readdirSync(wanted).length > 0) {
    throw new StartError(`The postgres user cannot reach Postgres's data directory ${wanted} (a folder above it is private): move it to a folder it can reach, or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
  }
  rmdirSync(wanted);
  const elsewhere = join(systemDir('postgres-data'), createHash('sha256').update(wanted).digest('hex').slice(0, 16));
  ownedDir(elsewhere, runAs);
  symlinkSync(elsewhere, wanted);
  return elsewhere;
}

function ownedDir(dir: string, runAs: RunAs): string {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, runAs.uid, runAs.gid);
  return dir;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function realpathOrTarget(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    // A dangling link (its target was deleted): recreate the target it names.
    return resolve(dirname(link), readlinkSync(link));
  }
}
