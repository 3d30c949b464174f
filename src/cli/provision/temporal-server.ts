import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withBuildLock } from './build-lock.js';
import { cacheDir, ProvisionError } from './paths.js';
import { runWithProgress } from './run-command.js';
import { findGo } from './temporal-cli.js';

/** The server version the Temporal CLI v1.5.1 embeds (DESIGN.md §1). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;

export interface TemporalServerTools {
  /** The Temporal server binary (`server … start`). */
  server: string;
  /** temporal-sql-tool. */
  sqlTool: string;
  /** The module's `schema/postgresql/v12`, copied into the cache so a start needs no Go. */
  schemaDir: string;
  /** The module's config/development-postgres12.yaml, copied likewise. */
  configTemplate: string;
}

/** Where the cached server lives; nothing is built. */
export function temporalServerDir(cacheOverride: string | undefined): string {
  return join(cacheDir(cacheOverride), 'temporal-server', TEMPORAL_SERVER_VERSION);
}

/** The cached tools if all of them are there (for tests, which must not build them), else undefined. */
export function cachedTemporalServer(cacheOverride: string | undefined): TemporalServerTools | undefined {
  const tools = toolsIn(temporalServerDir(cacheOverride));
  return Object.values(tools).every((p: string) => existsSync(p)) ? tools : undefined;
}

function toolsIn(dir: string): TemporalServerTools {
  return {
    server: join(dir, 'server'),
    sqlTool: join(dir, 'sql'),
    schemaDir: join(dir, 'module', 'schema', 'postgresql', 'v12'),
    configTemplate: join(dir, 'module', 'config', 'development-postgres12.yaml'),
  };
}

/**
 * The real Temporal server and its schema tool for `tollgate start --cluster`, built with Go from the
 * module proxy into the per-user cache beside the Temporal CLI (first run only; a few minutes), with
 * the module's Postgres schema and config template copied beside them. Idempotent.
 */
export async function ensureTemporalServer(o: { cacheOverride: string | undefined; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<TemporalServerTools> {
  const cached = cachedTemporalServer(o.cacheOverride);
  if (cached) return cached;
  const dir = temporalServerDir(o.cacheOverride);
  const tools = toolsIn(dir);
  const go = findGo(o.env);
  if (!go) throw new ProvisionError(`The Temporal server for the cluster is not in ${dir} and Go is not installed to build it: install Go (it builds from the Go module proxy) or use npm start, which runs the dev server.`);
  mkdirSync(dir, { recursive: true });
  // One build at a time per version: a second start (or test run) waits for it, then uses it.
  return withBuildLock(dir, 'the Temporal server', o.log, async () => {
    const built = cachedTemporalServer(o.cacheOverride);
    return built ?? (await buildTemporalServer(go, dir, tools, o));
  });
}

async function buildTemporalServer(go: string, dir: string, tools: TemporalServerTools, o: { env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<TemporalServerTools> {
  const env = { ...o.env, GOBIN: dir, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  for (const [binary, pkg] of [
    [tools.server, 'go.temporal.io/server/cmd/server'],
    [tools.sqlTool, 'go.temporal.io/server/cmd/tools/sql'],
  ] as const) {
    if (existsSync(binary)) continue;
    o.log(`Provisioning: building ${pkg}@${TEMPORAL_SERVER_VERSION} with Go into ${dir} (first run only; a few minutes)…`);
    try {
      await runWithProgress(`go install ${pkg}`, go, ['install', `${pkg}@${TEMPORAL_SERVER_VERSION}`], { env, cwd: dir, log: o.log });
    } catch (err) {
      throw new ProvisionError(`Building the Temporal server with Go failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): check that the Go module proxy is reachable, or use npm start, which runs the dev server.`);
    }
    if (!existsSync(binary)) throw new ProvisionError(`go install finished but ${binary} is missing.`);
  }
  copyModuleFiles(go, env, dir);
  o.log('Provisioning: Temporal server ready.');
  return tools;
}

/** The schema and config template ship inside the module, which go install left in GOMODCACHE. */
function copyModuleFiles(go: string, env: NodeJS.ProcessEnv, dir: string): void {
  let moduleDir: string;
  try {
    const json = execFileSync(go, ['mod', 'download', '-json', MODULE], { env, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    moduleDir = (JSON.parse(json) as { Dir?: string }).Dir ?? '';
  } catch (err) {
    throw new ProvisionError(`Could not find the module ${MODULE} after building it (${err instanceof Error ? err.message.split('\n')[0] : String(err)}).`);
  }
  if (!existsSync(join(moduleDir, 'schema', 'postgresql', 'v12'))) throw new ProvisionError(`The module ${MODULE} at ${moduleDir} has no schema/postgresql/v12.`);
  const staging = join(dir, 'module.partial');
  rmSync(staging, { recursive: true, force: true });
  cpSync(join(moduleDir, 'schema', 'postgresql', 'v12'), join(staging, 'schema', 'postgresql', 'v12'), { recursive: true });
  cpSync(join(moduleDir, 'config', 'development-postgres12.yaml'), join(staging, 'config', 'development-postgres12.yaml'));
  rmSync(join(dir, 'module'), { recursive: true, force: true });
  renameSync(staging, join(dir, 'module'));
}
