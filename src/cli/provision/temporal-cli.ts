import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, findOnPath, projectRoot, ProvisionError } from './paths.js';
import { runWithProgress } from './run-command.js';
import { downloadFailure, downloadWithSdk, previousDownload } from './sdk-download.js';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export interface TemporalCliOptions {
  explicit: string | undefined;
  cacheOverride: string | undefined;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/**
 * Finds the Temporal CLI, in DESIGN.md §1's order: TEMPORAL_CLI, `temporal` on PATH,
 * .tools/bin/temporal in the clone, the per-user cache, then a build with Go into that cache, and
 * where there is no Go, the SDK's own download (needs the internet).
 */
export async function ensureTemporalCli(o: TemporalCliOptions): Promise<string> {
  if (o.explicit) {
    if (!existsSync(o.explicit)) throw new ProvisionError(`TEMPORAL_CLI=${o.explicit} does not exist.`);
    return o.explicit;
  }
  const onPath = findOnPath('temporal', o.env.PATH);
  if (onPath) return onPath;
  const inClone = join(projectRoot(), '.tools', 'bin', 'temporal');
  if (existsSync(inClone)) return inClone;

  const dir = join(cacheDir(o.cacheOverride), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const cached = join(dir, 'temporal');
  if (existsSync(cached)) return cached;

  const go = findGo(o.env);
  if (!go) return downloadOrExplain(join(dir, 'sdk-download'), o.log);
  mkdirSync(dir, { recursive: true });
  o.log(`Provisioning: building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${dir} (first run only; several minutes)…`);
  try {
    await runWithProgress('go install temporal', go, ['install', MODULE], {
      env: { ...o.env, GOBIN: dir, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
      log: o.log,
    });
  } catch (err) {
    throw new ProvisionError(
      `Building the Temporal CLI with Go failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): set TEMPORAL_CLI=/path/to/temporal or TEMPORAL_ADDRESS=host:7233.`,
    );
  }
  if (!existsSync(cached)) throw new ProvisionError(`go install finished but ${cached} is missing; set TEMPORAL_CLI=/path/to/temporal.`);
  o.log('Provisioning: Temporal CLI ready.');
  return cached;
}

/** Go on PATH, else where its installer puts it ($GOROOT, /usr/local/go) even when PATH lacks it. */
export function findGo(env: NodeJS.ProcessEnv): string | undefined {
  const installed = join(env.GOROOT ?? '/usr/local/go', 'bin', 'go');
  return findOnPath('go', env.PATH) ?? (existsSync(installed) ? installed : undefined);
}

async function downloadOrExplain(dir: string, log: (line: string) => void): Promise<string> {
  const previous = previousDownload('dev-server', dir);
  if (previous) return previous;
  log("Provisioning: no Go to build the Temporal CLI; trying the Temporal SDK's download (needs the internet)…");
  try {
    return await downloadWithSdk('dev-server', dir);
  } catch (err) {
    throw new ProvisionError(
      `The Temporal CLI is missing, Go is not installed to build it and the SDK's download failed (${downloadFailure(err)}): install Go, put \`temporal\` on PATH, set TEMPORAL_CLI=/path/to/temporal, or point Tollgate at a running server with TEMPORAL_ADDRESS=host:7233.`,
    );
  }
}
