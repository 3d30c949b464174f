import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium for the browser tests: Debian's `chromium` from PATH, as `which chromium` finds it (no Playwright browser
 * downloads). A missing Chromium is a failure with one instruction, never a skip.
 */
export function chromiumPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'chromium');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error("Chromium is not installed: install Debian's `chromium` (apt-get install -y --no-install-recommends chromium) to run the browser tests.");
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // CI runs as root, where Chromium's own sandbox cannot start. Payment links and gateway
    // redirects use PUBLIC_BASE_URL (http://localhost:<port> in tests) while the test server
    // listens on 127.0.0.1 only: resolve localhost there, never to ::1.
    args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
  });
}

/** Whether `url` points at the test server on `baseUrl` (by 127.0.0.1 or by localhost, same port). */
export function onServer(url: URL, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  return url.protocol === base.protocol && url.port === base.port && (url.hostname === base.hostname || url.hostname === 'localhost');
}
