import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessSeen {
  pid: number;
  cmdline: string;
  env: Record<string, string>;
}

/**
 * Live processes whose environment has `name=value` (e.g. a test's own TOLLGATE_DATA_DIR), with
 * their command line and environment as the kernel holds them — what a child was really given, and
 * a way to find children whose command line does not mention the test's folders.
 */
export function processesWithEnv(name: string, value: string): ProcessSeen[] {
  const seen: ProcessSeen[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(join('/proc', entry, 'environ'), 'utf8').split('\0').filter(Boolean);
      const env = Object.fromEntries(environ.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      if (env[name] !== value) continue;
      seen.push({ pid: Number(entry), cmdline: readFileSync(join('/proc', entry, 'cmdline'), 'utf8').split('\0').join(' '), env });
    } catch {
      // gone already, or not ours to read
    }
  }
  return seen;
}
