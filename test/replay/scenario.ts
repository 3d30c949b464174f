import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** A recording scenario of test/replay/record-histories.ts. */
export interface Scenario {
  name: string;
  /** What the scenario is about, for the fixtures README. */
  about: string;
  /** Which runs of a continue-as-new chain to keep (1-based, of n); all by default. */
  keep?: (run: number, runs: number) => boolean;
  /** Runs the scenario on a fresh test server; returns the workflow's id and first run id. */
  run(ctx: Ctx): Promise<{ workflowId: string; firstRunId: string }>;
}

export interface Ctx {
  env: TestWorkflowEnvironment;
  /** A worker of the recorded code, running while fn runs. */
  withWorker: <T>(activities: object, fn: (taskQueue: string) => Promise<T>) => Promise<T>;
}

export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`scenario did not go as planned: ${what}`);
}

export const realDelay = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms));

/** Polls until `done` (real time); gives up quietly after `ms`. */
export async function waitFor(done: () => Promise<boolean>, ms: number): Promise<void> {
  for (const until = Date.now() + ms; Date.now() < until; await realDelay(100)) if (await done()) return;
}

