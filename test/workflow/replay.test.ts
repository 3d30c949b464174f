import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type ReplayResult, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { bundleWithPatchesAt } from '../support/bundle-patch-step.js';
import { historyFromJSON, type History } from '../support/history-json.js';
import { quietRuntime, workflowBundle } from '../support/time-skipping.js';

/**
 * DESIGN.md §5, "Replay tests over recorded histories guard determinism": every history under
 * test/histories was recorded with the workflow code of an earlier commit (test/histories/README.md
 * says which, and how) and must replay with the current bundle to the same commands. A failure here
 * means a deployed worker would fail the next task of such an open workflow: keep the old path for
 * old runs behind `patched('…')`, never edit a history. Replayed in one batch with
 * Worker.runReplayHistories, one result per file.
 */
const dir = join(projectRoot(), 'test', 'histories');
const files = readdirSync(dir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.json'))
  .sort();

const load = (file: string): History => historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
const typeOf = (h: History) => h.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** Replays the files with one bundle; the result of each, by file name (used as its workflow id). */
async function replay(bundle: WorkflowBundleWithSourceMap, names: readonly string[]): Promise<Map<string, ReplayResult>> {
  quietRuntime();
  const results = new Map<string, ReplayResult>();
  const histories = names.map((name) => ({ workflowId: name, history: load(name) }));
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) results.set(r.workflowId, r);
  return results;
}

describe('replay of recorded workflow histories with the current code', () => {
  let results: Map<string, ReplayResult>;
  before(async () => {
    results = await replay(await workflowBundle(), files);
  });

  it('has recorded histories of every workflow type', () => {
    const types = new Set(files.map((f) => typeOf(load(f))));
    assert.deepEqual([...types].sort(), ['disputeWorkflow', 'exchangeRatesWorkflow', 'paymentWorkflow', 'refundWorkflow', 'statementImportWorkflow', 'subscriptionWorkflow', 'temporaryPaymentWorkflow']);
  });

  for (const file of files) {
    it(file, () => {
      const type = typeOf(load(file));
      assert.ok(type, `${file} starts with a WorkflowExecutionStarted event`);
      const r = results.get(file);
      assert.ok(r, `${file} was replayed`);
      if (r.error) assert.fail(`${type} does not replay ${file}: ${describeError(r.error)}`);
    });
  }
});

/**
 * The suite proves the life of a change made behind `patched()` (test/histories/README.md), on two
 * changes that were made that way, with the histories recorded before each change (`before`) and,
 * where the runs of the integration tests took the changed path, after it (histories carrying the
 * patch's marker). The bundles are the real workflow code at each step (test/support/bundle-patch-step.ts):
 *
 * - with `patched(id)` (today's code): both replay;
 * - the change written without the guard (`removed`): the runs from before fail with the SDK's
 *   DeterminismViolationError — what a deployed worker would hit on their next task — and so do
 *   the runs from after, whose marker no `patched()` call answers;
 * - `deprecatePatch(id)` and the old path deleted (`deprecated`): the runs from after replay, the runs
 *   from before still fail, which is why that step waits until none of them can be open.
 *
 * https://docs.temporal.io/develop/typescript/workflows/versioning
 */
const PATCHED_CHANGES = [
  {
    patch: 'bank-line-during-expiry',
    before: 'temporary-bank-line-during-expiry-run1.json',
    change: 'a bank line arriving while the expiry is written settles it by the bank in the same run (the old run completed there)',
  },
  {
    patch: 'stop-waits-for-amount-hook',
    before: 'subscription-amount-hook-run3.json',
    change: "a stop during the amount hook's call waits for the charge instead of stopping at once",
  },
] as const;

/** The patch ids a history's markers name (core_patch markers carry {"id": …} as a JSON payload). */
function patchesIn(h: History): string[] {
  return (h.events ?? []).flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    if (!data) return [];
    const { id } = JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string };
    return id ? [id] : [];
  });
}

describe('a workflow change is safe only behind patched(): replays at each step of the patch', () => {
  const ids = PATCHED_CHANGES.map((c) => c.patch);
  const after = (patch: string) => files.filter((f) => patchesIn(load(f)).includes(patch));
  const chosen = [...new Set(PATCHED_CHANGES.flatMap((c) => [c.before, ...after(c.patch)]))];
  const at: Record<'current' | 'removed' | 'deprecated', Map<string, ReplayResult>> = { current: new Map(), removed: new Map(), deprecated: new Map() };
  before(async () => {
    at.current = await replay(await workflowBundle(), chosen);
    at.removed = await replay(await bundleWithPatchesAt('removed', ids), chosen);
    at.deprecated = await replay(await bundleWithPatchesAt('deprecated', ids), chosen);
  });

  const replays = (step: keyof typeof at, file: string) => {
    const r = at[step].get(file);
    assert.ok(r, `${file} was replayed (${step})`);
    assert.equal(r.error, undefined, `${file} replays with the ${step} code: ${describeError(r.error)}`);
  };
  const breaks = (step: keyof typeof at, file: string) => {
    const err = at[step].get(file)?.error;
    assert.ok(err, `${file} must not replay with the ${step} code`);
    assert.ok(err instanceof DeterminismViolationError, `${file}, ${step}: a DeterminismViolationError, not ${describeError(err)}`);
    assert.match(err.message, /nondetermin/i);
  };

  for (const c of PATCHED_CHANGES) {
    it(`${c.patch}: ${c.change}`, () => {
      assert.ok(files.includes(c.before), `${c.before} is among the recorded histories`);
      assert.deepEqual(patchesIn(load(c.before)).filter((p) => p === c.patch), [], `${c.before} was recorded before the change`);
      replays('current', c.before);
      breaks('removed', c.before);
      breaks('deprecated', c.before);
      for (const f of after(c.patch)) {
        replays('current', f);
        breaks('removed', f);
        replays('deprecated', f);
      }
    });
  }

  it('has a history from after a change for at least one of them (the deprecatePatch step is proven on it)', () => {
    assert.ok(ids.some((id) => after(id).length > 0), `no recorded history carries a marker of ${ids.join(' or ')}`);
  });
});
