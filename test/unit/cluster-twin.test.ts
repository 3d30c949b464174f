import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { API_ONLY_ENV, CLUSTER_SERVICES, LEDGER_DATABASE, tollgateProcessEnv } from '../../src/cli/cluster-twin.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { TEMPORAL_SERVER_VERSION } from '../../src/cli/provision/temporal-server.js';
import { TEMPORAL_UI_SERVER_VERSION } from '../../src/cli/provision/temporal-ui-server.js';
import { loadConfig } from '../../src/config.js';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/temporal/search-attributes.js';
import { interpolateDefaults, readComposeFile } from '../support/compose-file.js';

/**
 * docker-compose.yml and `tollgate start --cluster` are twins (issue 10 §1): the same services, the
 * same environment for the Tollgate processes, the same Temporal versions, dynamic config,
 * namespace and search attributes. Compose cannot run here (no Docker engine); this is what holds
 * the file to the cluster that does.
 */
const compose = readComposeFile();
const services = compose.services;
const tollgateServices = Object.keys(services).filter((name) => services[name]?.image === 'tollgate:latest');
const defaults = (env: Record<string, string> | undefined) => Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, interpolateDefaults(String(v))]));
const cluster = tollgateProcessEnv(loadConfig({}), { databaseUrl: 'postgres://tollgate:tollgate@127.0.0.1:5433/tollgate', temporalAddress: '127.0.0.1:7233', adminKey: '' });

describe('docker-compose.yml and start --cluster', () => {
  it('have the same services', () => {
    assert.deepEqual(Object.keys(services).sort(), Object.keys(CLUSTER_SERVICES).sort());
  });

  it('build the Tollgate image rather than pull it, for every Tollgate service', () => {
    assert.deepEqual(tollgateServices.sort(), ['api', 'migrate', 'worker']);
    for (const name of tollgateServices) {
      assert.equal(services[name]?.pull_policy, 'build', name);
      assert.equal(services[name]?.build, '.', name);
    }
  });

  it('give the Tollgate processes the same variables', () => {
    const names = Object.keys(cluster).sort();
    for (const name of tollgateServices) {
      const expected = name === 'api' ? [...names, ...API_ONLY_ENV].sort() : names;
      assert.deepEqual(Object.keys(services[name]?.environment ?? {}).sort(), expected, name);
    }
  });

  it('with the same values wherever the value does not name a place', () => {
    const env = defaults(services.api?.environment);
    for (const name of ['TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'LOG_LEVEL', 'PUBLIC_BASE_URL'] as const) assert.equal(env[name], cluster[name], name);
    assert.equal(env.PORT, String(loadConfig({}).PORT));
    // Compose runs production; the cluster passes on whatever TOLLGATE_ENV it was started with.
    assert.equal(env.TOLLGATE_ENV, 'production');
    assert.equal(cluster.TOLLGATE_ENV, loadConfig({}).TOLLGATE_ENV);
  });

  it('point each process at the twin of the cluster’s Temporal and Postgres, with one role for the ledger and for Temporal', () => {
    const env = defaults(services.api?.environment);
    const [host, port] = (env.TEMPORAL_ADDRESS ?? '').split(':');
    assert.ok(host && services[host], `TEMPORAL_ADDRESS names a compose service (${host})`);
    assert.equal(host, 'temporal');
    assert.equal(Number(port), loadConfig({}).TOLLGATE_TEMPORAL_PORT, 'the frontend port is the cluster’s default');
    const db = new URL(env.DATABASE_URL ?? '');
    assert.equal(db.hostname, 'postgres');
    assert.equal(db.pathname, `/${LEDGER_DATABASE}`);
    const schema = defaults(services['temporal-schema']?.environment);
    const server = defaults(services.temporal?.environment);
    assert.equal(schema.SQL_HOST, db.hostname);
    assert.equal(schema.SQL_USER, db.username);
    assert.equal(schema.SQL_PASSWORD, db.password);
    assert.equal(server.POSTGRES_SEEDS, db.hostname);
    assert.equal(server.POSTGRES_USER, db.username);
    assert.equal(server.POSTGRES_PWD, db.password);
  });

  it('run the same Temporal server and UI versions', () => {
    const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    assert.equal(services.temporal?.image, `temporalio/server:${version}`);
    assert.equal(services['temporal-schema']?.image, `temporalio/admin-tools:${version}`);
    assert.equal(services['temporal-namespace']?.image, `temporalio/admin-tools:${version}`);
    assert.equal(services['temporal-ui']?.image, `temporalio/ui:${TEMPORAL_UI_SERVER_VERSION.replace(/^v/, '')}`);
    assert.doesNotMatch(JSON.stringify(services), /auto-setup/);
  });

  it('share the dynamic config file and the setup scripts', () => {
    assert.deepEqual(services.temporal?.volumes, ['./deploy/temporal/dynamicconfig.yaml:/etc/temporal/config/dynamicconfig/tollgate.yaml:ro']);
    assert.equal(defaults(services.temporal?.environment).DYNAMIC_CONFIG_FILE_PATH, 'config/dynamicconfig/tollgate.yaml');
    for (const [name, script] of [['temporal-schema', 'schema.sh'], ['temporal-namespace', 'namespace.sh']] as const) {
      assert.deepEqual(services[name]?.volumes, ['./deploy/temporal:/scripts:ro'], name);
      assert.deepEqual(services[name]?.entrypoint, ['/bin/sh', `/scripts/${script}`], name);
    }
  });

  it('register the same namespace and exactly Tollgate’s search attributes', () => {
    assert.equal(defaults(services['temporal-namespace']?.environment).TEMPORAL_NAMESPACE, cluster.TEMPORAL_NAMESPACE);
    const script = readFileSync(join(projectRoot(), 'deploy', 'temporal', 'namespace.sh'), 'utf8');
    const registered = [...script.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(registered, SEARCH_ATTRIBUTE_REGISTRATIONS.map(([n, t]) => [n, t]));
  });

  it('wait on health, not on start: every long-running service has a healthcheck, every dependency a condition', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api']) assert.ok(services[name]?.healthcheck, `${name} has a healthcheck`);
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        const wanted = services[dep]?.healthcheck ? 'service_healthy' : 'service_completed_successfully';
        assert.equal(condition, wanted, `${name} waits for ${dep}`);
      }
    }
  });
});
