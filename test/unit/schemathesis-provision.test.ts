import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureSchemathesis, SCHEMATHESIS_VERSION } from '../support/schemathesis.js';

/** How the API fuzz test (test/reliability/api-fuzz.test.ts) meets a machine without Python. */
describe('provisioning schemathesis for the API fuzz test', () => {
  it('without python3 on PATH says so in one sentence and creates no venv', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tollgate-st-'));
    try {
      await assert.rejects(ensureSchemathesis({ PATH: join(cache, 'no-bin'), TOLLGATE_CACHE_DIR: cache }), (err: Error) => {
        assert.match(err.message, /^python3 is not on PATH: .*schemathesis 4\.32\.5 from PyPI.*\(Debian: apt-get install python3 python3-venv\)\.$/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      assert.equal(existsSync(join(cache, 'schemathesis', SCHEMATHESIS_VERSION, 'venv')), false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
