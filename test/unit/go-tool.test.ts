import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProvisionError } from '../../src/cli/provision/paths.js';
import { ensureStripeMock, STRIPE_MOCK_VERSION } from '../../src/cli/provision/stripe-mock.js';
import { ensureTemporalUiServer } from '../../src/cli/provision/temporal-ui-server.js';

/** Go tools provisioned into the per-user cache (ensureGoTool), without building anything here. */
const noGo = { PATH: '', GOROOT: join(tmpdir(), 'no-go-here') };
const log = () => undefined;

describe('Go tools in the per-user cache', () => {
  it('uses STRIPE_MOCK when it exists, and says so in one sentence when it does not', async () => {
    const binary = join(mkdtempSync(join(tmpdir(), 'tollgate-sm-')), 'stripe-mock');
    writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await ensureStripeMock({ explicit: binary, cacheOverride: undefined, env: noGo, log }), binary);
    await assert.rejects(ensureStripeMock({ explicit: '/nowhere/stripe-mock', cacheOverride: undefined, env: noGo, log }), (err: Error) => err instanceof ProvisionError && err.message === 'STRIPE_MOCK=/nowhere/stripe-mock does not exist.');
  });

  it('takes the cached binary without Go, and without one asks for Go or the override in one sentence', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tollgate-cache-'));
    await assert.rejects(ensureStripeMock({ explicit: undefined, cacheOverride: cache, env: noGo, log }), (err: Error) =>
      err instanceof ProvisionError &&
      err.message === `Stripe’s API mock (stripe-mock) is not in ${join(cache, 'stripe-mock', STRIPE_MOCK_VERSION)} and Go is not installed to build it: install Go (it builds from the Go module proxy) or set STRIPE_MOCK=/path/to/stripe-mock.`);
    await assert.rejects(ensureTemporalUiServer({ cacheOverride: cache, env: noGo, log }), /^ProvisionError: The Temporal UI server for the cluster is not in .* or use npm start, whose dev server has the UI built in\.$/);
    const dir = join(cache, 'stripe-mock', STRIPE_MOCK_VERSION);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stripe-mock'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await ensureStripeMock({ explicit: undefined, cacheOverride: cache, env: noGo, log }), join(dir, 'stripe-mock'));
  });
});
