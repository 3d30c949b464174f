import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisionError } from './paths.js';

/** Longer than any first build here (the Temporal server: about 2 minutes; the compose plugin: more). */
const WAIT_FOR_OTHER_BUILD_MS = 30 * 60_000;

/**
 * One build per version directory at a time: a second `tollgate start` (or `provision`, or a test
 * run) that finds a build under way waits for it, then uses its result, instead of running a second
 * `go install` into the same directory. The lock is a file holding the builder's pid, created with
 * O_EXCL; one left by a process that died is taken over.
 */
export async function withBuildLock<T>(dir: string, what: string, log: (line: string) => void, build: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.build-lock');
  const deadline = Date.now() + WAIT_FOR_OTHER_BUILD_MS;
  let told = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(lock);
    // A holder that died, or one killed between creating the file and writing its pid (empty).
    if (holder !== undefined ? !isAlive(holder) : olderThan(lock, 10_000)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new ProvisionError(`Another process (pid ${holder ?? '?'}) has been building ${what} in ${dir} for over ${WAIT_FOR_OTHER_BUILD_MS / 60_000} minutes: stop it, or delete ${lock} if it is gone.`);
    if (!told) log(`Provisioning: another process (pid ${holder ?? '?'}) is building ${what} in ${dir}; waiting for it…`);
    told = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readHolder(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // removed between our attempt and this read: the loop tries again
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return false; // gone: the next try creates it
  }
}
