import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type ShippedChromium from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

/** The Chromium the browser tests drive, where it came from, and the flags it needs. */
export interface FoundChromium {
  executablePath: string;
  source: string;
  args: string[];
}

/**
 * Headless Chromium for the browser tests, found without any install step: CHROMIUM_PATH, else a
 * `chromium` on PATH (Debian's, say), else the Chromium that ships inside the @sparticuz/chromium
 * npm package (unpacked into the temp dir on first use). Playwright's own browser download is never
 * used: these machines reach package registries only.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundChromium> {
  if (env.CHROMIUM_PATH) {
    if (!isExecutable(env.CHROMIUM_PATH)) {
      throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file: point it at a Chromium binary, or unset it to use a chromium on PATH or the one inside the @sparticuz/chromium npm package.`);
    }
    return { executablePath: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH', args: [] };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (isExecutable(join(dir, name))) return { executablePath: join(dir, name), source: 'PATH', args: [] };
    }
  }
  let shipped: typeof ShippedChromium;
  try {
    shipped = (await import('@sparticuz/chromium')).default;
  } catch {
    throw new Error('No Chromium for the browser tests: set CHROMIUM_PATH, put a chromium on PATH, or run npm ci to install the @sparticuz/chromium package that ships one.');
  }
  // Its flags are tuned for AWS Lambda; --single-process there ends the whole browser when a test
  // closes its context, so the next test finds it gone. Outside Lambda, multi-process works.
  const args = shipped.args.filter((a) => a !== '--single-process');
  return { executablePath: await shipped.executablePath(), source: 'the @sparticuz/chromium npm package', args };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function launchChromium(): Promise<Browser> {
  const found = await findChromium();
  return chromium.launch({
    executablePath: found.executablePath,
    headless: true,
    // CI runs as root, where Chromium's own sandbox cannot start. Payment links and gateway
    // redirects use PUBLIC_BASE_URL (http://localhost:<port> in tests) while the test server
    // listens on 127.0.0.1 only: resolve localhost there, never to ::1.
    args: [...found.args, '--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
  });
}

/** Whether `url` points at the test server on `baseUrl` (by 127.0.0.1 or by localhost, same port). */
export function onServer(url: URL, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  return url.protocol === base.protocol && url.port === base.port && (url.hostname === base.hostname || url.hostname === 'localhost');
}
