import { chmodSync } from 'node:fs';
import { privateDir } from './cli-run.js';

/**
 * A stand-in for /var/lib/tollgate (TOLLGATE_SYSTEM_DIR) that this test alone uses: root-owned and
 * 0755 like the real one, so `postgres` can pass through, and removed when the test file ends.
 * Tests never touch the real /var/lib/tollgate, which other runs on the machine may be using.
 */
export function testSystemDir(): string {
  const dir = privateDir('tollgate-system-');
  chmodSync(dir, 0o755);
  return dir;
}
