import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withBuildLock } from './build-lock.js';
import { cacheDir, ProvisionError } from './paths.js';
import { runWithProgress } from './run-command.js';
import { findGo } from './temporal-cli.js';

/**
 * The Temporal UI for the cluster: the UI server the `temporalio/ui` image runs (the web UI is
 * embedded in the binary), same version as docker-compose.yml's `temporalio/ui` tag. The Temporal
 * CLI has no separate UI command (its UI runs only inside start-dev), so the cluster builds this.
 */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
const PACKAGE = 'github.com/temporalio/ui-server/v2/cmd/server';

/** Where the cached UI server lives; nothing is built. */
export function temporalUiServerDir(cacheOverride: string | undefined): string {
  return join(cacheDir(cacheOverride), 'temporal-ui-server', TEMPORAL_UI_SERVER_VERSION);
}

/** The cached binary if it is there (for tests, which must not build it), else undefined. */
export function cachedTemporalUiServer(cacheOverride: string | undefined): string | undefined {
  const binary = join(temporalUiServerDir(cacheOverride), 'server');
  return existsSync(binary) ? binary : undefined;
}

/**
 * The UI server binary, built with Go from the module proxy into the per-user cache beside the
 * Temporal server on first use (about 15 s here, the module is large: the UI's assets are in it).
 * Idempotent; a second process waits for a build under way.
 */
export async function ensureTemporalUiServer(o: { cacheOverride: string | undefined; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<string> {
  const cached = cachedTemporalUiServer(o.cacheOverride);
  if (cached) return cached;
  const dir = temporalUiServerDir(o.cacheOverride);
  const go = findGo(o.env);
  if (!go) throw new ProvisionError(`The Temporal UI server for the cluster is not in ${dir} and Go is not installed to build it: install Go (it builds from the Go module proxy) or use npm start, whose dev server has the UI built in.`);
  return withBuildLock(dir, 'the Temporal UI server', o.log, async () => {
    const binary = join(dir, 'server');
    const partial = join(dir, '.partial-bin');
    if (existsSync(binary)) return binary; // built by whoever held the lock before us
    o.log(`Provisioning: building ${PACKAGE}@${TEMPORAL_UI_SERVER_VERSION} with Go into ${dir} (first run only)…`);
    try {
      // Into a side folder, then renamed: an interrupted build never leaves a truncated `server`
      // that cachedTemporalUiServer would trust.
      rmSync(partial, { recursive: true, force: true });
      await runWithProgress('go install ui-server', go, ['install', `${PACKAGE}@${TEMPORAL_UI_SERVER_VERSION}`], {
        env: { ...o.env, GOBIN: partial, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
        cwd: dir,
        log: o.log,
      });
    } catch (err) {
      throw new ProvisionError(`Building the Temporal UI server with Go failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): check that the Go module proxy is reachable, or use npm start, whose dev server has the UI built in.`);
    }
    if (!existsSync(join(partial, 'server'))) throw new ProvisionError(`go install finished but ${join(partial, 'server')} is missing.`);
    renameSync(join(partial, 'server'), binary);
    rmSync(partial, { recursive: true, force: true });
    o.log('Provisioning: Temporal UI server ready.');
    return binary;
  });
}
