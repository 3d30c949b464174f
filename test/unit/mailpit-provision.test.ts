import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureMailpit, MAILPIT_VERSION } from '../../src/cli/provision/mailpit.js';
import { ProvisionError } from '../../src/cli/provision/paths.js';

/** Mailpit comes from MAILPIT, the per-user cache, or a Go build — and says in one sentence when none can be had. */
const noGo = { PATH: '', GOROOT: join(tmpdir(), 'no-go-here') };
const log = () => undefined;

describe('Mailpit provisioning', () => {
  it('uses MAILPIT when it exists, and says so in one sentence when it does not', async () => {
    const binary = join(mkdtempSync(join(tmpdir(), 'tollgate-mp-')), 'mailpit');
    writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await ensureMailpit({ explicit: binary, cacheOverride: undefined, env: noGo, log }), binary);
    await assert.rejects(ensureMailpit({ explicit: '/nowhere/mailpit', cacheOverride: undefined, env: noGo, log }), (err: Error) => err instanceof ProvisionError && err.message === 'MAILPIT=/nowhere/mailpit does not exist.');
  });

  it('without a cached build or Go, names both ways around it', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tollgate-cache-'));
    await assert.rejects(ensureMailpit({ explicit: undefined, cacheOverride: cache, env: noGo, log }), (err: Error) =>
      err instanceof ProvisionError &&
      err.message === `Mailpit (the development SMTP server) is not in ${join(cache, 'mailpit', MAILPIT_VERSION)} and Go is not installed to build it: install Go (it builds from the Go module proxy) or set MAILPIT=/path/to/mailpit (or SMTP_URL=smtp://… to use a server of your own).`);
  });
});
