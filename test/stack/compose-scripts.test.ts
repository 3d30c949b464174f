import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { ensureTemporalCli } from '../../src/cli/provision/temporal-cli.js';
import { cachedTemporalServer, type TemporalServerTools } from '../../src/cli/provision/temporal-server.js';
import { type RunningPostgres, startEmbeddedPostgres } from '../../src/cli/stack/postgres.js';
import { startTemporalCluster, type TemporalCluster } from '../../src/cli/stack/temporal-cluster.js';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/temporal/search-attributes.js';
import { privateDir } from '../support/cli-run.js';
import { freeTemporalBase } from '../support/cluster-ports.js';
import { freePort } from '../support/free-port.js';
import { testSystemDir } from '../support/system-dir.js';

/**
 * docker-compose.yml's two admin-tools jobs cannot run here (no Docker engine), but their scripts
 * can: deploy/temporal/schema.sh with the cluster's own temporal-sql-tool against an embedded
 * Postgres, deploy/temporal/namespace.sh with the Temporal CLI against the real server on it.
 * Both must work on a fresh database and again on a prepared one (every `compose up` runs them).
 */
const tools = cachedTemporalServer(process.env.TOLLGATE_CACHE_DIR);
const skip = tools ? false : 'the cluster’s Temporal server is not built yet (run `npm run tollgate -- provision` once)';
const script = (name: string) => join(projectRoot(), 'deploy', 'temporal', name);

/** A PATH with `name` → `target` in front, as the admin-tools image has its tools on PATH. */
function pathWith(name: string, target: string): string {
  const bin = privateDir('tollgate-compose-bin-');
  symlinkSync(target, join(bin, name));
  return `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

function sh(file: string, env: Record<string, string>) {
  const res = spawnSync('/bin/sh', [file], { env: { HOME: process.env.HOME ?? '/tmp', ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('docker-compose.yml’s admin-tools scripts', { skip }, () => {
  let server: RunningPostgres;
  let cluster: TemporalCluster | undefined;
  const sqlEnv = () => {
    const u = new URL(server.url('postgres'));
    return { SQL_PLUGIN: 'postgres12', SQL_HOST: '127.0.0.1', SQL_PORT: u.port, SQL_USER: decodeURIComponent(u.username), SQL_PASSWORD: decodeURIComponent(u.password) };
  };
  const versions = async () => {
    const out: Record<string, string> = {};
    for (const db of ['temporal', 'temporal_visibility']) {
      const client = new pg.Client({ connectionString: server.url(db) });
      await client.connect();
      try {
        out[db] = (await client.query<{ curr_version: string }>('SELECT curr_version FROM schema_version')).rows[0]?.curr_version ?? '';
      } finally {
        await client.end();
      }
    }
    return out;
  };

  before(async () => {
    server = await startEmbeddedPostgres({ dataDir: join(privateDir('tollgate-compose-pg-'), 'pg'), port: await freePort(), persistent: false, durable: false, onLog: () => undefined, systemDir: testSystemDir() });
  });

  after(async () => {
    await cluster?.child.stop();
    await server.stop();
    server.remove();
  });

  it('schema.sh creates both databases with the newest schema, and a second run changes nothing', { timeout: 300_000 }, async () => {
    const t = tools as TemporalServerTools;
    const env = { ...sqlEnv(), SCHEMA_DIR: t.schemaDir, PATH: pathWith('temporal-sql-tool', t.sqlTool) };
    const first = sh(script('schema.sh'), env);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /database temporal: schema created/);
    assert.match(first.out, /database temporal_visibility: schema created/);
    const made = await versions();
    assert.match(made.temporal ?? '', /^1\.\d+$/);
    assert.match(made.temporal_visibility ?? '', /^1\.\d+$/);
    const second = sh(script('schema.sh'), env);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /database temporal: schema up to date/);
    assert.deepEqual(await versions(), made);
  });

  it('namespace.sh registers the namespace and Tollgate’s search attributes on the real server, and a second run is a no-op', { timeout: 300_000 }, async () => {
    const u = new URL(server.url('postgres'));
    const port = await freeTemporalBase();
    cluster = await startTemporalCluster({
      tools: tools as TemporalServerTools,
      postgres: { host: '127.0.0.1', port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
      port,
      namespace: 'default',
      dir: join(privateDir('tollgate-compose-temporal-'), 'temporal'),
      log: () => undefined,
    });
    const cli = await ensureTemporalCli({ explicit: process.env.TEMPORAL_CLI, cacheOverride: process.env.TOLLGATE_CACHE_DIR, env: process.env, log: () => undefined });
    const env = { TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: 'compose-twin', PATH: pathWith('temporal', cli) };
    for (const run of [1, 2]) {
      const res = sh(script('namespace.sh'), env);
      assert.equal(res.code, 0, `run ${run}: ${res.out}`);
      assert.match(res.out, /namespace compose-twin: ready/);
    }
    const connection = await Connection.connect({ address: cluster.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'compose-twin' });
      const names = Object.keys(customAttributes ?? {}).filter((n) => n.startsWith('Tollgate')).sort();
      assert.deepEqual(names, SEARCH_ATTRIBUTE_REGISTRATIONS.map(([n]) => n).sort());
    } finally {
      await connection.close();
    }
  });
});
