import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Temporal SDK's own download of its servers (from Temporal's servers, so it needs the internet),
 * the last fallback of DESIGN.md §1. The SDK downloads only as part of starting a server, so start
 * one, stop it at once, and keep the binary it left in `dir`. Untested on machines without internet.
 */
export async function downloadWithSdk(kind: 'dev-server' | 'time-skipping', dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const executable = { type: 'cached-download' as const, downloadDir: dir };
  const env =
    kind === 'dev-server'
      ? await TestWorkflowEnvironment.createLocal({ server: { executable, ip: '127.0.0.1', ui: false } })
      : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  await env.teardown();
  const found = previousDownload(kind, dir);
  if (!found) throw new Error(`the SDK reported success but left no binary in ${dir}`);
  return found;
}

/** A binary an earlier downloadWithSdk left in `dir`, if any. */
export function previousDownload(kind: 'dev-server' | 'time-skipping', dir: string): string | undefined {
  const prefix = kind === 'dev-server' ? 'temporal-cli' : 'temporal-test-server';
  return newestExecutable(dir, prefix) ?? newestExecutable(dir, 'temporal');
}

function newestExecutable(dir: string, prefix: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => ({ path: join(dir, name), stat: statSync(join(dir, name)) }))
    .filter((f) => f.stat.isFile() && (f.stat.mode & 0o111) !== 0)
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs)[0]?.path;
}

/** The first line of why the download failed, for a one-sentence report. */
export function downloadFailure(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}
