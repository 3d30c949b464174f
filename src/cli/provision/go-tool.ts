import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withBuildLock } from './build-lock.js';
import { cacheDir, ProvisionError } from './paths.js';
import { runWithProgress } from './run-command.js';
import { findGo } from './temporal-cli.js';

/** A Go program Tollgate builds once with `go install <package>@<version>` into the per-user cache. */
export interface GoTool {
  /** What the user reads in progress lines and errors ("the Temporal UI server"). */
  what: string;
  /** The cache folder's name (`<cache>/<dirName>/<version>/`). */
  dirName: string;
  /** The package `go install` builds. */
  goPackage: string;
  version: string;
  /** The binary's name, as `go install` names it (the package path's last element). */
  binaryName: string;
  /** The end of the sentence when Go is missing or the build fails: how to do without it. */
  instead: string;
}

export interface GoToolOptions {
  cacheOverride: string | undefined;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Where the cached tool lives; nothing is built. */
export function goToolDir(tool: GoTool, cacheOverride: string | undefined): string {
  return join(cacheDir(cacheOverride), tool.dirName, tool.version);
}

/** The cached binary if it is there (for tests, which must not build it), else undefined. */
export function cachedGoTool(tool: GoTool, cacheOverride: string | undefined): string | undefined {
  const binary = join(goToolDir(tool, cacheOverride), tool.binaryName);
  return existsSync(binary) ? binary : undefined;
}

/**
 * The tool's binary, built with Go from the module proxy into the per-user cache on first use.
 * Idempotent; a second process waits for a build under way (withBuildLock). A missing Go or a
 * failed build is one sentence (ProvisionError) that says how to do without the tool.
 */
export async function ensureGoTool(tool: GoTool, o: GoToolOptions): Promise<string> {
  const cached = cachedGoTool(tool, o.cacheOverride);
  if (cached) return cached;
  const dir = goToolDir(tool, o.cacheOverride);
  const go = findGo(o.env);
  if (!go) throw new ProvisionError(`${capitalised(tool.what)} is not in ${dir} and Go is not installed to build it: install Go (it builds from the Go module proxy) or ${tool.instead}.`);
  return withBuildLock(dir, tool.what, o.log, async () => {
    const binary = join(dir, tool.binaryName);
    const partial = join(dir, '.partial-bin');
    if (existsSync(binary)) return binary; // built by whoever held the lock before us
    o.log(`Provisioning: building ${tool.goPackage}@${tool.version} with Go into ${dir} (first run only)…`);
    try {
      // Into a side folder, then renamed: an interrupted build never leaves a truncated binary
      // that cachedGoTool would trust.
      rmSync(partial, { recursive: true, force: true });
      await runWithProgress(`go install ${tool.binaryName}`, go, ['install', `${tool.goPackage}@${tool.version}`], {
        env: { ...o.env, GOBIN: partial, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
        cwd: dir,
        log: o.log,
      });
    } catch (err) {
      throw new ProvisionError(`Building ${tool.what} with Go failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): check that the Go module proxy is reachable, or ${tool.instead}.`);
    }
    if (!existsSync(join(partial, tool.binaryName))) throw new ProvisionError(`go install finished but ${join(partial, tool.binaryName)} is missing.`);
    renameSync(join(partial, tool.binaryName), binary);
    rmSync(partial, { recursive: true, force: true });
    o.log(`Provisioning: ${tool.what} ready.`);
    return binary;
  });
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
