import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/create-worker.js';

/**
 * The real workflow code at a later step of a patch's life, for the named patch ids:
 *
 * - `removed`: the change written WITHOUT its guard — `patched(id)` is always true and records
 *   no marker, as if `if (patched(id))` had been written `if (true)`;
 * - `deprecated`: the guard's second step — `deprecatePatch(id)` is called and the new path taken,
 *   as the code reads once the old path is deleted
 *   (https://docs.temporal.io/develop/typescript/workflows/versioning).
 *
 * Every other `patched()` and the rest of @temporalio/workflow are the SDK's own. Done by bundling
 * src/workflows with webpack resolving `@temporalio/workflow` to a small module that re-exports
 * the SDK (its own file, by path, so it stays one module instance) and overrides `patched`. The
 * replay test replays recorded histories against these bundles: without the guard an old history
 * fails with DeterminismViolationError, and so on.
 */
export type PatchStep = 'removed' | 'deprecated';

export async function bundleWithPatchesAt(step: PatchStep, ids: readonly string[]): Promise<WorkflowBundleWithSourceMap> {
  const sdk = createRequire(import.meta.url).resolve('@temporalio/workflow');
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-patch-step-'));
  const shim = join(dir, 'workflow-patch-step.js');
  writeFileSync(
    shim,
    [
      `export * from ${JSON.stringify(sdk)};`,
      `import { deprecatePatch, patched as sdkPatched } from ${JSON.stringify(sdk)};`,
      `const changed = new Set(${JSON.stringify(ids)});`,
      `const deprecated = ${JSON.stringify(step === 'deprecated')};`,
      'export function patched(id) {',
      '  if (!changed.has(id)) return sdkPatched(id);',
      '  if (deprecated) deprecatePatch(id);',
      '  return true;',
      '}',
      '',
    ].join('\n'),
  );
  try {
    return await bundleWorkflowCode({
      workflowsPath,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
      webpackConfigHook: (config) => {
        const resolve = config.resolve ?? {};
        const alias = Array.isArray(resolve.alias) ? {} : (resolve.alias ?? {});
        return { ...config, resolve: { ...resolve, alias: { ...alias, '@temporalio/workflow$': shim } } };
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
