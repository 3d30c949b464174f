import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withBuildLock } from '../../src/cli/provision/build-lock.js';

/** Two provisioners building into one version directory take turns; a lock left by a dead one is taken over. */
const quiet = () => undefined;
const dir = () => mkdtempSync(join(tmpdir(), 'tollgate-build-lock-'));

describe('withBuildLock', () => {
  it('lets one build run at a time in a directory, the second after the first', async () => {
    const d = dir();
    const events: string[] = [];
    const build = (name: string) => async () => {
      events.push(`${name} in`);
      assert.equal(readFileSync(join(d, '.build-lock'), 'utf8'), String(process.pid));
      await new Promise((r) => setTimeout(r, 300));
      events.push(`${name} out`);
      return name;
    };
    const told: string[] = [];
    const results = await Promise.all([withBuildLock(d, 'a tool', quiet, build('first')), withBuildLock(d, 'a tool', (l) => told.push(l), build('second'))]);
    assert.deepEqual(results, ['first', 'second']);
    assert.deepEqual(events, ['first in', 'first out', 'second in', 'second out']);
    assert.match(told[0] ?? '', /another process \(pid \d+\) is building a tool/);
    assert.equal(existsSync(join(d, '.build-lock')), false, 'released');
  });

  it('takes over a lock whose process is gone, and releases it when the build fails', async () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(d, '.build-lock'), dead);
    await assert.rejects(
      withBuildLock(d, 'a tool', quiet, async () => {
        throw new Error('go install failed');
      }),
      /go install failed/,
    );
    assert.equal(existsSync(join(d, '.build-lock')), false);
  });

  it('takes over an empty lock left by a builder killed before it wrote its pid, once it is old', async () => {
    const d = dir();
    const lock = join(d, '.build-lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    assert.equal(await withBuildLock(d, 'a tool', quiet, async () => readFileSync(lock, 'utf8')), String(process.pid));
  });
});
