import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testEnv } from '../support/env.js';
import { freePort } from '../support/free-port.js';
import { nodeOnlyPath, privateDir, runCli, STACK_FRAME, startEnv } from '../support/cli-run.js';

/**
 * A missing tool is one sentence saying what is missing and how to supply it — never a stack trace.
 * Each run gets a PATH with node alone, an empty tool cache and no internet (this machine has none),
 * so nothing can be found, built or downloaded.
 */
function assertOneSentence(stderr: string, ...mentions: RegExp[]): void {
  const said = stderr.trim();
  assert.doesNotMatch(said, STACK_FRAME, `no stack trace, got:\n${said}`);
  assert.equal(said.split('\n').length, 1, `one line, got:\n${said}`);
  for (const m of mentions) assert.match(said, m);
}

describe('missing tools', () => {
  it('npm start without Go or a Temporal CLI says how to supply one', { timeout: 120_000 }, async () => {
    const run = runCli(['start'], startEnv({
      PATH: nodeOnlyPath(),
      GOROOT: '/nonexistent-go',
      TOLLGATE_CACHE_DIR: privateDir('tollgate-empty-cache-'),
      TOLLGATE_DATA_DIR: join(privateDir('tollgate-missing-'), '.data'),
      TOLLGATE_TEMPORAL_PORT: String(await freePort()),
      TOLLGATE_UI_PORT: String(await freePort()),
      TOLLGATE_POSTGRES_PORT: String(await freePort()),
      PORT: String(await freePort()),
      TEMPORAL_CLI: '',
    }));
    assert.equal(await run.exited, 1, run.stderr());
    assertOneSentence(run.stderr(), /Temporal CLI/, /Go/, /TEMPORAL_CLI=/, /TEMPORAL_ADDRESS=/);
  });

  it('npm test without Java and Maven says how to supply them', { timeout: 120_000 }, async () => {
    const run = runCli(['workflow'], startEnv({
      PATH: nodeOnlyPath(),
      TOLLGATE_CACHE_DIR: privateDir('tollgate-empty-cache-'),
      TEMPORAL_CLI: testEnv.temporalCli(),
    }), join('test', 'run.ts'));
    assert.equal(await run.exited, 1, run.stderr());
    assertOneSentence(run.stderr(), /time-skipping test server/, /Java/, /Maven/);
  });
});
