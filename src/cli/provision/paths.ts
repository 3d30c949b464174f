import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Per-user cache of provisioned tools, shared by every clone and CI run; never inside a clone. */
export function cacheDir(override: string | undefined): string {
  return resolve(override ?? join(homedir(), '.cache', 'tollgate'));
}

/** The project root (where package.json is), whether running from src/ or dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Tollgate project root');
    dir = up;
  }
  return dir;
}

/** The first executable named `name` on PATH, if any. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Thrown when a tool cannot be found or made; its message is the one sentence the user reads. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
}
