import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { temporalConnectionOptions } from '../../src/temporal/connection.js';

/** The Temporal connection's options, built in one place from TEMPORAL_TLS_* and TEMPORAL_API_KEY. */
describe('Temporal connection options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-tls-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const cert = file('client.pem', 'CLIENT CERT');
  const key = file('client.key', 'CLIENT KEY');
  const ca = file('ca.pem', 'CA CERT');

  it('is plain for the dev server', () => {
    assert.deepEqual(temporalConnectionOptions(loadConfig({})), { address: 'localhost:7233' });
    assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS: 'false' })), { address: 'temporal:7233' });
  });

  it('uses TLS with an API key, as Temporal Cloud wants', () => {
    const o = temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'tc-key' }));
    assert.deepEqual(o, { address: 'eu-west-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'tc-key' });
  });

  it('uses TLS with system roots when TEMPORAL_TLS=true', () => {
    assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS: 'true' })), { address: 'h:7233', tls: {} });
  });

  it('reads the mTLS pair, a private CA and the server name from the files named', () => {
    const o = temporalConnectionOptions(
      loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }),
    );
    assert.equal(o.address, 'ns.acct.tmprl.cloud:7233');
    assert.equal(o.tls?.serverNameOverride, 'temporal.internal');
    assert.equal(Buffer.from(o.tls?.serverRootCACertificate ?? []).toString(), 'CA CERT');
    assert.equal(Buffer.from(o.tls?.clientCertPair?.crt ?? []).toString(), 'CLIENT CERT');
    assert.equal(Buffer.from(o.tls?.clientCertPair?.key ?? []).toString(), 'CLIENT KEY');
    assert.equal(o.apiKey, undefined);
  });

  it('turns TLS on for a CA or a server name alone', () => {
    assert.equal(Buffer.from(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CA: ca })).tls?.serverRootCACertificate ?? []).toString(), 'CA CERT');
    assert.deepEqual(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_SERVER_NAME: 'x' })).tls, { serverNameOverride: 'x' });
  });

  it('refuses half a client pair and unreadable files, in one sentence naming the variable', () => {
    assert.throws(() => temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CERT: cert })), (e: Error) => e instanceof ConfigError && /TEMPORAL_TLS_KEY/.test(e.message));
    assert.throws(() => temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_KEY: key })), (e: Error) => e instanceof ConfigError && /only TEMPORAL_TLS_KEY is set/.test(e.message));
    assert.throws(
      () => temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_CA: join(dir, 'missing.pem') })),
      (e: Error) => e instanceof ConfigError && /cannot read TEMPORAL_TLS_CA \(.*missing\.pem\): ENOENT\.$/.test(e.message),
    );
    assert.throws(() => loadConfig({ TEMPORAL_TLS: 'yes' }), /TEMPORAL_TLS/);
  });
});
