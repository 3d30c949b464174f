import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withBuildLock } from './build-lock.js';
import { cacheDir, ProvisionError } from './paths.js';
import { runWithProgress } from './run-command.js';
import { findGo } from './temporal-cli.js';

/**
 * Docker Compose, to check docker-compose.yml (`docker compose config`) on machines without it.
 * `go install …@version` refuses this module (its go.mod has exclude directives), so it is built
 * inside the module's own directory, where those directives apply, as its Makefile does.
 */
export const DOCKER_COMPOSE_VERSION = 'v2.40.3';
const MODULE = `github.com/docker/compose/v2@${DOCKER_COMPOSE_VERSION}`;

export function dockerComposeDir(cacheOverride: string | undefined): string {
  return join(cacheDir(cacheOverride), 'docker-compose', DOCKER_COMPOSE_VERSION);
}

/** The cached binary if it is there (for tests, which must not build it), else undefined. */
export function cachedDockerCompose(cacheOverride: string | undefined): string | undefined {
  const binary = join(dockerComposeDir(cacheOverride), 'docker-compose');
  return existsSync(binary) ? binary : undefined;
}

/**
 * The compose binary (the same program as the `docker compose` plugin; run standalone it needs no
 * docker CLI and, for `config`, no engine), built with Go from the module proxy into the per-user
 * cache on first use: several minutes here, mostly downloading its dependencies.
 */
export async function ensureDockerCompose(o: { cacheOverride: string | undefined; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<string> {
  const cached = cachedDockerCompose(o.cacheOverride);
  if (cached) return cached;
  const dir = dockerComposeDir(o.cacheOverride);
  const go = findGo(o.env);
  if (!go) throw new ProvisionError(`Docker Compose is not in ${dir} and Go is not installed to build it: install Go (it builds from the Go module proxy) or install the docker compose plugin.`);
  return withBuildLock(dir, 'Docker Compose', o.log, async () => {
    const binary = join(dir, 'docker-compose');
    if (existsSync(binary)) return binary;
    const env = { ...o.env, CGO_ENABLED: '0' };
    let moduleDir: string;
    try {
      const json = execFileSync(go, ['mod', 'download', '-json', MODULE], { env, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
      moduleDir = (JSON.parse(json) as { Dir?: string }).Dir ?? '';
    } catch (err) {
      throw new ProvisionError(`Could not download the module ${MODULE} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): check that the Go module proxy is reachable.`);
    }
    o.log(`Provisioning: building Docker Compose ${DOCKER_COMPOSE_VERSION} with Go into ${dir} (first run only; several minutes)…`);
    const partial = `${binary}.partial`;
    try {
      await runWithProgress('go build docker-compose', go, ['build', '-mod=readonly', '-trimpath', '-ldflags', `-s -w -X github.com/docker/compose/v2/internal.Version=${DOCKER_COMPOSE_VERSION}`, '-o', partial, './cmd'], {
        env,
        cwd: moduleDir,
        log: o.log,
      });
      renameSync(partial, binary);
    } catch (err) {
      rmSync(partial, { force: true });
      throw new ProvisionError(`Building Docker Compose with Go failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): check that the Go module proxy is reachable, or install the docker compose plugin.`);
    }
    o.log('Provisioning: Docker Compose ready.');
    return binary;
  });
}
