import { execFile } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import YAML from 'yaml';
import { projectRoot } from '../provision/paths.js';
import { portIsFree } from './ports.js';
import type { TemporalServerTools } from '../provision/temporal-server.js';
import { type ManagedChild, startChild, waitUntilReady } from './child-process.js';
import { logHint } from './log-tail.js';
import type { PortClaim } from './ports.js';
import { StartError } from './start-error.js';

const run = promisify(execFile);

/** Where Temporal keeps its two databases: a Postgres server and a role that may create databases. */
export interface ClusterPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Every port the server listens on, derived from the frontend's (7233 → the module's own 7233–7239, 6933–6939, 8000). */
export function clusterPorts(frontend: number) {
  return {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    frontendHttp: frontend + 10,
    membership: { frontend: frontend - 300, history: frontend - 299, matching: frontend - 298, worker: frontend - 294 },
    metrics: frontend + 767,
  };
}

/** Temporal stores membership ports (frontend − 300 …) in a Postgres smallint: the frontend must sit in this range. */
export const CLUSTER_PORT_RANGE = { min: 1324, max: 32_767 + 294 } as const;

function checkFrontendPort(port: number): void {
  if (port >= CLUSTER_PORT_RANGE.min && port <= CLUSTER_PORT_RANGE.max) return;
  throw new StartError(`TOLLGATE_TEMPORAL_PORT=${port} cannot be used for the cluster: set it between ${CLUSTER_PORT_RANGE.min} and ${CLUSTER_PORT_RANGE.max} (the server also listens up to 300 below it, on membership ports it stores in a smallint).`);
}

/** The ports `clusterPorts` uses, as claims naming the one variable that moves them all. */
export function clusterPortClaims(frontend: number): PortClaim[] {
  checkFrontendPort(frontend);
  const p = clusterPorts(frontend);
  const named: Array<[number, string]> = [
    [p.frontend, 'Temporal frontend'],
    [p.history, 'Temporal history'],
    [p.matching, 'Temporal matching'],
    [p.worker, 'Temporal worker service'],
    [p.frontendHttp, 'Temporal frontend HTTP'],
    [p.membership.frontend, 'Temporal frontend membership'],
    [p.membership.history, 'Temporal history membership'],
    [p.membership.matching, 'Temporal matching membership'],
    [p.membership.worker, 'Temporal worker membership'],
    [p.metrics, 'Temporal metrics'],
  ];
  return named.map(([port, what]) => ({ port, host: '127.0.0.1', what, variable: 'TOLLGATE_TEMPORAL_PORT', instead: 'TEMPORAL_ADDRESS=host:port' }));
}

export interface TemporalCluster {
  address: string;
  child: ManagedChild;
}

/**
 * The real Temporal server on Postgres (DESIGN.md §1's recipe): its two databases created and their
 * schema set up or upgraded by temporal-sql-tool (idempotent), the module's config with our
 * Postgres and ports written under `dir`, the server started in its own process group, then the
 * namespace registered once the frontend answers. A server that does not come up is stopped
 * before this rejects.
 */
export async function startTemporalCluster(o: {
  tools: TemporalServerTools;
  postgres: ClusterPostgres;
  port: number;
  namespace: string;
  dir: string;
  log: (line: string) => void;
}): Promise<TemporalCluster> {
  checkFrontendPort(o.port);
  mkdirSync(join(o.dir, 'config'), { recursive: true });
  for (const [db, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    await prepareDatabase(o.tools, o.postgres, db, join(o.tools.schemaDir, schema, 'versioned'));
  }
  o.log('Temporal schema is up to date (databases temporal, temporal_visibility)');

  writeConfig(o.tools.configTemplate, o.dir, o.postgres, o.port);
  const logFile = join(o.dir, 'temporal-server.log');
  const out = openSync(logFile, 'a');
  const child = startChild('Temporal server', o.tools.server, ['--root', o.dir, '--config', 'config', '--env', 'development-postgres12', '--allow-no-auth', 'start'], {
    stdio: ['ignore', out, out],
    cwd: o.dir,
  });
  closeSync(out);
  const address = `127.0.0.1:${o.port}`;
  await waitUntilReady(child, () => registerNamespace(address, o.namespace), 180_000, () => logHint(logFile)).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return { address, child };
}

/** CREATE DATABASE if missing, setup-schema on a database that has none, then update-schema to the newest version. */
async function prepareDatabase(tools: TemporalServerTools, p: ClusterPostgres, db: string, versioned: string): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', p.host, '-p', String(p.port), '-u', p.user, '--pw', p.password, '--db', db];
  const hasSchema = await withClient(p, 'postgres', async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    if (exists.rowCount === 0) {
      const may = await c.query<{ may: boolean }>('SELECT rolcreatedb OR rolsuper AS may FROM pg_roles WHERE rolname = current_user');
      if (may.rows[0]?.may !== true) throw new StartError(`The role ${p.user} may not create Temporal's database ${db} on ${p.host}:${p.port}: as a superuser, run ALTER ROLE ${p.user} CREATEDB (or create temporal and temporal_visibility yourself with OWNER ${p.user}).`);
      return false;
    }
    return withClient(p, db, async (d) => (await d.query<{ has: boolean }>("SELECT to_regclass('public.schema_version') IS NOT NULL AS has")).rows[0]?.has === true);
  });
  try {
    if (!hasSchema) {
      await run(tools.sqlTool, [...base, 'create'], { timeout: 60_000 }).catch((err: unknown) => {
        if (!/already exists/.test(String((err as { stderr?: string }).stderr ?? err))) throw err;
      });
      await run(tools.sqlTool, [...base, 'setup-schema', '-v', '0.0'], { timeout: 120_000 });
    }
    await run(tools.sqlTool, [...base, 'update-schema', '-d', versioned], { timeout: 300_000 });
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr || (err as Error).message);
    const last = text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'no output';
    throw new StartError(`temporal-sql-tool could not prepare the database ${db} on ${p.host}:${p.port} (${last.slice(0, 300)}).`);
  }
}

async function withClient<T>(p: ClusterPostgres, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: p.host, port: p.port, user: p.user, password: p.password, database });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new StartError(`Cannot reach the Postgres for Temporal at ${p.host}:${p.port} (${err instanceof Error ? err.message : String(err)}).`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The module's development-postgres12.yaml with our Postgres, ports and dynamic config file. */
function writeConfig(template: string, dir: string, p: ClusterPostgres, frontend: number): void {
  const doc = YAML.parseDocument(readFileSync(template, 'utf8'));
  const ports = clusterPorts(frontend);
  for (const store of ['postgres-default', 'postgres-visibility']) {
    const at = ['persistence', 'datastores', store, 'sql'];
    doc.setIn([...at, 'connectAddr'], `${p.host}:${p.port}`);
    doc.setIn([...at, 'user'], p.user);
    doc.setIn([...at, 'password'], p.password);
  }
  doc.setIn(['global', 'pprof', 'port'], 0); // off: nothing to claim
  doc.setIn(['global', 'metrics', 'prometheus', 'listenAddress'], `127.0.0.1:${ports.metrics}`);
  const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  doc.set('services', {
    frontend: rpc(ports.frontend, ports.membership.frontend, { httpPort: ports.frontendHttp }),
    history: rpc(ports.history, ports.membership.history),
    matching: rpc(ports.matching, ports.membership.matching),
    worker: rpc(ports.worker, ports.membership.worker),
  });
  doc.setIn(['clusterMetadata', 'clusterInformation', 'active', 'rpcAddress'], `127.0.0.1:${ports.frontend}`);
  const dynamic = join(dir, 'config', 'dynamicconfig.yaml');
  // docker-compose.yml's server reads the same file: as the dev server, search attributes are visible to lists at once, updates are on.
  copyFileSync(join(projectRoot(), 'deploy', 'temporal', 'dynamicconfig.yaml'), dynamic);
  doc.set('dynamicConfigClient', { filepath: dynamic, pollInterval: '10s' });
  doc.set('log', { stdout: true, level: 'warn' });
  doc.delete('archival');
  doc.delete('namespaceDefaults');
  writeFileSync(join(dir, 'config', 'development-postgres12.yaml'), doc.toString(), { mode: 0o600 });
}

/** True once the frontend answers and the namespace exists (registered now or by an earlier start). */
async function registerNamespace(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
    return true;
  } catch (err) {
    if (isGrpcServiceError(err) && Number(err.code) === 6) return true; // ALREADY_EXISTS
    return false;
  } finally {
    await connection.close();
  }
}

/**
 * A frontend port whose whole block (membership at −300 … metrics at +767) is free on 127.0.0.1 right
 * now, for the tests and benchmarks that start a cluster of their own beside others.
 */
export async function freeTemporalBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * 20_000); // membership ports (base − 300) must fit a smallint
    const claims = clusterPortClaims(base);
    if ((await Promise.all(claims.map((c) => portIsFree(c.port, c.host)))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for the Temporal server after 50 tries');
}
