import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertProductionSafe, ConfigError, loadConfig } from '../../src/config.js';
import { projectRoot } from '../../src/cli/provision/paths.js';

/**
 * config/gateways.demo.yaml is what README "Try the top-up portal and a terminal network" starts
 * npm start with: it must keep loading, keep both channels on, and stay unusable in production.
 */
describe('config/gateways.demo.yaml', () => {
  const file = join(projectRoot(), 'config', 'gateways.demo.yaml');

  it('loads in development with the portal and a terminal network taking this machine only', () => {
    const config = loadConfig({ TOLLGATE_GATEWAYS_FILE: file });
    assert.deepEqual(config.portal?.gateways, ['sandbox']);
    const [network, ...more] = config.terminals ?? [];
    assert.equal(more.length, 0);
    assert.equal(network?.name, 'osmp_demo');
    assert.equal(network?.mode, 'test');
    assert.deepEqual(network?.allowlist, ['127.0.0.1/32', '::1/128']);
    assert.deepEqual(network?.identification.identifiers, ['contract', 'login', 'phone', 'uid']);
  });

  it('is refused in production', () => {
    const config = loadConfig({ TOLLGATE_GATEWAYS_FILE: file });
    assert.throws(() => assertProductionSafe({ ...config, TOLLGATE_ENV: 'production' }), ConfigError);
  });
});
