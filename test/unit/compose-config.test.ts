import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { API_ONLY_ENV, CLUSTER_SERVICES, tollgateProcessEnv } from '../../src/cli/cluster-twin.js';
import { cachedDockerCompose, dockerComposeDir } from '../../src/cli/provision/docker-compose.js';
import { findOnPath, projectRoot } from '../../src/cli/provision/paths.js';
import { loadConfig } from '../../src/config.js';

/**
 * `docker compose config` on docker-compose.yml — compose's own reading of the file (merge keys,
 * interpolation, its schema) — with the compose binary `tollgate provision` builds, or a
 * `docker compose` plugin when the machine has one. No Docker engine is needed for `config`.
 */
const cached = cachedDockerCompose(process.env.TOLLGATE_CACHE_DIR);
const docker = findOnPath('docker', process.env.PATH);
const plugin = !cached && docker && spawnSync(docker, ['compose', 'version'], { stdio: 'ignore' }).status === 0;
const compose: [string, string[]] | undefined = cached ? [cached, []] : plugin && docker ? [docker, ['compose']] : undefined;
const skip = compose ? false : `no docker compose here: run \`npm run tollgate -- provision\` to build it into ${dockerComposeDir(process.env.TOLLGATE_CACHE_DIR)}`;

interface Resolved {
  services: Record<string, { environment?: Record<string, string | null>; pull_policy?: string; build?: { context?: string } }>;
}

function composeConfig(env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const [cmd, pre] = compose!;
  const res = spawnSync(cmd, [...pre, '-f', join(projectRoot(), 'docker-compose.yml'), '-p', 'tollgate', 'config', '--format', 'json'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('docker compose config', { skip }, () => {
  it('accepts docker-compose.yml as shipped, without warnings, and reads the services and environment the cluster has', () => {
    const res = composeConfig({});
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr.trim(), '', 'no warnings');
    const resolved = JSON.parse(res.stdout) as Resolved;
    assert.deepEqual(Object.keys(resolved.services).sort(), Object.keys(CLUSTER_SERVICES).sort());
    const names = Object.keys(tollgateProcessEnv(loadConfig({}), { databaseUrl: 'postgres://x@h/tollgate', temporalAddress: 'h:7233', adminKey: '' })).sort();
    for (const name of ['migrate', 'api', 'worker']) {
      const service = resolved.services[name];
      assert.equal(service?.pull_policy, 'build', name);
      assert.equal(service?.build?.context, projectRoot(), name);
      assert.deepEqual(Object.keys(service?.environment ?? {}).sort(), name === 'api' ? [...names, ...API_ONLY_ENV].sort() : names, name);
    }
  });

  it('puts the operator’s secrets where the Tollgate processes and Temporal read them', () => {
    const res = composeConfig({ POSTGRES_PASSWORD: 'p4ss-w0rd', AMOUNT_HOOK_SECRET: 'whsec_c2VjcmV0' });
    assert.equal(res.code, 0, res.stderr);
    const resolved = JSON.parse(res.stdout) as Resolved;
    assert.equal(resolved.services.api?.environment?.DATABASE_URL, 'postgres://tollgate:p4ss-w0rd@postgres:5432/tollgate');
    assert.equal(resolved.services.worker?.environment?.AMOUNT_HOOK_SECRET, 'whsec_c2VjcmV0');
    assert.equal(resolved.services.temporal?.environment?.POSTGRES_PWD, 'p4ss-w0rd');
    assert.equal(resolved.services['temporal-schema']?.environment?.SQL_PASSWORD, 'p4ss-w0rd');
  });

  it('is the compose this project provisions (a version, not a dev build)', { skip: cached ? false : 'using the machine’s own docker compose' }, () => {
    assert.match(execFileSync(cached!, ['version'], { encoding: 'utf8' }), /Docker Compose version v2\.\d+\.\d+/);
  });
});
