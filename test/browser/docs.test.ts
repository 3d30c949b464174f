import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** Swagger UI renders from the package's own files under the HTML pages' Content-Security-Policy. */
describe('/docs in a browser (headless Chromium)', () => {
  let browser: Browser | undefined;
  let stack: TestStack | undefined;
  before(async () => {
    browser = await launchChromium();
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('renders the API from /openapi.json with no request to another host and no CSP violation', { timeout: 60_000 }, async () => {
    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const foreign: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (new URL(r.url()).origin !== new URL(stack!.baseUrl).origin && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      const res = await page.goto(`${stack!.baseUrl}/docs`);
      assert.equal(res?.status(), 200);
      await page.locator('.swagger-ui .info .title').getByText('Tollgate API').waitFor({ timeout: 20_000 });
      await page.locator('.opblock-tag', { hasText: 'Subscriptions' }).first().waitFor({ timeout: 20_000 });
      assert.deepEqual(foreign, [], 'no request left the server');
      assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused to/i.test(p)), []);
    } finally {
      await context.close();
    }
  });
});
