import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findChromium } from '../support/browser.js';
import { nodeOnlyPath, privateDir } from '../support/cli-run.js';

/**
 * The browser tests find Chromium themselves: CHROMIUM_PATH, else a `chromium` on PATH, else the
 * Chromium that ships inside the @sparticuz/chromium npm package — so `npm test` needs no apt-get.
 */
describe('finding Chromium for the browser tests', () => {
  it('takes CHROMIUM_PATH first', async () => {
    const fake = join(privateDir('tollgate-chromium-'), 'my-chromium');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    assert.deepEqual((await findChromium({ CHROMIUM_PATH: fake, PATH: '' })).executablePath, fake);
  });

  it('says so in one sentence when CHROMIUM_PATH names nothing', async () => {
    await assert.rejects(findChromium({ CHROMIUM_PATH: '/nonexistent/chromium', PATH: '' }), /^Error: CHROMIUM_PATH=\/nonexistent\/chromium is not an executable file[^\n]*$/);
  });

  it('then a chromium on PATH', async () => {
    const bin = privateDir('tollgate-chromium-bin-');
    writeFileSync(join(bin, 'chromium'), '#!/bin/sh\n');
    chmodSync(join(bin, 'chromium'), 0o755);
    assert.equal((await findChromium({ PATH: bin })).executablePath, join(bin, 'chromium'));
  });

  it('else the Chromium inside the @sparticuz/chromium package, with its own flags', { timeout: 120_000 }, async () => {
    const found = await findChromium({ PATH: nodeOnlyPath() });
    assert.ok(existsSync(found.executablePath), found.executablePath);
    assert.match(found.source, /@sparticuz\/chromium/);
    assert.ok(found.args.length > 0);
  });
});
