import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { historyFromJSON } from '../support/history-json.js';
import { quietRuntime, workflowBundle } from '../support/time-skipping.js';

/**
 * DESIGN.md §5, "Replay tests over recorded histories guard determinism": every history in
 * test/fixtures/histories was recorded with the workflow code of an earlier commit (by
 * test/replay/record-histories.ts; the README there says which) and must replay with the current
 * bundle to the same commands. A failure here means a deployed worker would fail the next task of
 * such an open workflow: keep the old path for old runs behind `patched('…')`, not a history edit.
 */
const dir = join(projectRoot(), 'test', 'fixtures', 'histories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of recorded workflow histories with the current code', () => {
  it('has recorded histories to replay', () => {
    assert.ok(files.length > 0, `no histories in ${dir}`);
  });

  for (const file of files) {
    it(file, async () => {
      quietRuntime();
      const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      assert.ok(type, `${file} starts with a WorkflowExecutionStarted event`);
      try {
        await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay-${file.replace(/\.json$/, '')}`);
      } catch (err) {
        const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        assert.fail(`${type} does not replay ${file}: ${what}`);
      }
    });
  }
});
