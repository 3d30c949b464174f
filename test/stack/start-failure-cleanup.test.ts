import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testEnv } from '../support/env.js';
import { privateDir, processesMentioning, runCli, STACK_FRAME, startEnv } from '../support/cli-run.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/stack.js';

/**
 * A start that fails half-way stops everything it had started: the Temporal dev server (its whole
 * process group) does not outlive a failed or interrupted `tollgate start`.
 */
async function freeStartPorts(): Promise<Record<string, string>> {
  return {
    TOLLGATE_TEMPORAL_PORT: String(await freePort()),
    TOLLGATE_UI_PORT: String(await freePort()),
    TOLLGATE_POSTGRES_PORT: String(await freePort()),
    PORT: String(await freePort()),
  };
}

/** Kills what a broken start left behind (found by this test's own data dir), so a failure here does not leak. */
function killLeftovers(dataDir: string): number[] {
  const left = processesMentioning(dataDir);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return left;
}

describe('a failed start stops what it started', () => {
  it('Postgres unreachable at DATABASE_URL: one sentence, and the Temporal dev server it had started is stopped', { timeout: 180_000 }, async () => {
    const dataDir = join(privateDir('tollgate-start-fail-'), '.data');
    const deadPort = await freePort();
    const run = runCli(['start'], startEnv({
      ...(await freeStartPorts()),
      TOLLGATE_DATA_DIR: dataDir,
      TEMPORAL_CLI: testEnv.temporalCli(),
      DATABASE_URL: `postgres://tollgate:tollgate@127.0.0.1:${deadPort}/tollgate`,
    }));
    const code = await run.exited;
    const left = killLeftovers(dataDir);
    assert.equal(code, 1, `exit code; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    assert.match(run.stdout(), /starting the Temporal dev server/, 'the dev server had been started');
    const said = run.stderr().trim();
    assert.doesNotMatch(said, STACK_FRAME, 'no stack trace');
    assert.equal(said.split('\n').length, 1, `one line on stderr, got:\n${said}`);
    assert.match(said, /DATABASE_URL/);
    assert.match(said, new RegExp(`127\\.0\\.0\\.1:${deadPort}`));
    assert.deepEqual(left, [], 'the Temporal dev server did not outlive the failed start');
  });

  it('SIGTERM while the Temporal dev server is still starting stops it too', { timeout: 180_000 }, async () => {
    const dataDir = join(privateDir('tollgate-start-term-'), '.data');
    const run = runCli(['start'], startEnv({ ...(await freeStartPorts()), TOLLGATE_DATA_DIR: dataDir, TEMPORAL_CLI: testEnv.temporalCli() }));
    await waitFor('the dev server to be spawned', async () => (processesMentioning(join(dataDir, 'temporal.db')).length ? true : undefined), 60_000);
    run.child.kill('SIGTERM');
    await run.exited;
    // The dev server gets SIGTERM and a grace period; give it a moment beyond our own exit.
    await new Promise((r) => setTimeout(r, 1000));
    const left = killLeftovers(dataDir);
    assert.deepEqual(left, [], `nothing survives an interrupted start; stdout:\n${run.stdout()}`);
    assert.doesNotMatch(run.stderr(), STACK_FRAME, 'no stack trace');
  });
});
