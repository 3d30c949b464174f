import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { cachedTemporalServer } from '../../src/cli/provision/temporal-server.js';
import { cachedTemporalUiServer } from '../../src/cli/provision/temporal-ui-server.js';
import { type RunningPostgres, startEmbeddedPostgres } from '../../src/cli/stack/postgres.js';
import { type CliRun, privateDir, processesMentioning, runCli, STACK_FRAME, startEnv } from '../support/cli-run.js';
import { freeApiBase, freeTemporalBase } from '../support/cluster-ports.js';
import { freePort } from '../support/free-port.js';
import { testSystemDir } from '../support/system-dir.js';

/**
 * `tollgate start --cluster` with DATABASE_URL: no embedded Postgres; Temporal's two databases are
 * created on that server, owned by that URL's role, next to the ledger. A role that may create
 * databases works; one that may not is told, in one sentence, what to grant. The Postgres here is
 * an embedded one of this test's own, with two roles besides its superuser.
 */
const cache = process.env.TOLLGATE_CACHE_DIR;
const skip = cachedTemporalServer(cache) && cachedTemporalUiServer(cache) ? false : 'the cluster’s Temporal server and UI server are not built yet (run `npm run tollgate -- provision` once)';
const ADMIN_KEY = 'tg_cluster_dburl_admin_key_0123456789abcdef';

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function startCluster(databaseUrl: string, dataDir: string): Promise<{ run: CliRun; apiPort: number }> {
  const apiPort = await freeApiBase();
  const run = runCli(
    ['start', '--cluster'],
    startEnv({
      DATABASE_URL: databaseUrl,
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_TEMPORAL_PORT: String(await freeTemporalBase()),
      TOLLGATE_UI_PORT: String(await freePort()),
      PORT: String(apiPort),
      TOLLGATE_WORKERS: '1',
      TOLLGATE_APIS: '1',
      TOLLGATE_ADMIN_API_KEY: ADMIN_KEY,
    }),
  );
  return { run, apiPort };
}

/** Resolves once the start prints "ready."; rejects, with its output, if it exits first or takes over 180 s. */
async function untilReady(run: CliRun): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!/\[tollgate\] ready\./.test(run.stdout())) {
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('waiting'), 250))]);
    assert.equal(code, 'waiting', `start --cluster exited (${String(code)}); stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    assert.ok(Date.now() < deadline, `not ready after 180 s; stdout:\n${run.stdout()}`);
  }
}

describe('tollgate start --cluster with DATABASE_URL', { skip }, () => {
  let server: RunningPostgres;
  const url = (user: string, password: string, db: string) => {
    const u = new URL(server.url(db));
    u.username = user;
    u.password = password;
    return u.toString();
  };
  const temporalDatabases = async () =>
    sql<{ datname: string; owner: string }>(server.url('postgres'), "SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname LIKE 'temporal%' ORDER BY datname");

  before(async () => {
    server = await startEmbeddedPostgres({ dataDir: join(privateDir('tollgate-dburl-pg-'), 'pg'), port: await freePort(), persistent: false, durable: false, onLog: () => undefined, systemDir: testSystemDir() });
    await sql(server.url('postgres'), "CREATE ROLE ops_creator LOGIN PASSWORD 'creator-pw' CREATEDB");
    await sql(server.url('postgres'), 'CREATE DATABASE ledger_creator OWNER ops_creator');
    await sql(server.url('postgres'), "CREATE ROLE ops_plain LOGIN PASSWORD 'plain-pw' NOCREATEDB");
    await sql(server.url('postgres'), 'CREATE DATABASE ledger_plain OWNER ops_plain');
  });

  after(async () => {
    await server.stop();
    server.remove();
  });

  it('with a role that may not create databases: one sentence saying what to grant, nothing created, nothing left running', { timeout: 120_000 }, async () => {
    const dataDir = join(privateDir('tollgate-dburl-'), '.data');
    const { run } = await startCluster(url('ops_plain', 'plain-pw', 'ledger_plain'), dataDir);
    assert.equal(await run.exited, 1, run.stdout());
    const lines = run.stderr().trim().split('\n');
    assert.equal(lines.length, 1, run.stderr());
    assert.match(lines[0] ?? '', /The role ops_plain may not create Temporal's database temporal on 127\.0\.0\.1:\d+: as a superuser, run ALTER ROLE ops_plain CREATEDB/);
    assert.doesNotMatch(run.stderr(), STACK_FRAME);
    assert.deepEqual(await temporalDatabases(), []);
    assert.deepEqual(processesMentioning(dataDir), []);
  });

  it('with a role that may: Temporal’s databases on that server, owned by that role, next to the ledger, which the API writes', { timeout: 240_000 }, async () => {
    const dataDir = join(privateDir('tollgate-dburl-'), '.data');
    const ledger = url('ops_creator', 'creator-pw', 'ledger_creator');
    const { run, apiPort } = await startCluster(ledger, dataDir);
    try {
      await untilReady(run);
      assert.match(run.stdout(), /Postgres +postgres:\/\/ops_creator:\*\*\*@127\.0\.0\.1:\d+\/ledger_creator/);
      assert.doesNotMatch(run.stdout(), /embedded Postgres/);
      assert.equal(existsSync(join(dataDir, 'cluster', 'postgres')), false, 'no embedded Postgres of its own');
      assert.deepEqual(await temporalDatabases(), [
        { datname: 'temporal', owner: 'ops_creator' },
        { datname: 'temporal_visibility', owner: 'ops_creator' },
      ]);
      for (const db of ['temporal', 'temporal_visibility']) {
        const [row] = await sql<{ curr_version: string }>(url('ops_creator', 'creator-pw', db), 'SELECT curr_version FROM schema_version');
        assert.match(row?.curr_version ?? '', /^\d+\.\d+/, `${db} has a schema`);
      }

      const customer = await fetch(`http://127.0.0.1:${apiPort}/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ external_ref: 'dburl-1', name: 'Database URL', email: 'dburl@example.com' }),
      });
      assert.equal(customer.status, 201, await customer.clone().text());
      const { id } = (await customer.json()) as { id: string };
      assert.deepEqual(await sql(ledger, 'SELECT external_ref FROM customers WHERE id = $1', [id]), [{ external_ref: 'dburl-1' }], 'in the ledger on DATABASE_URL');
    } finally {
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0, run.stderr());
    }
    assert.deepEqual(processesMentioning(dataDir), [], 'nothing of the cluster survives');
    assert.deepEqual(await sql(server.url('postgres'), 'SELECT 1 AS up'), [{ up: 1 }], 'and DATABASE_URL’s server, not ours, is left running');
  });
});
