import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { StartError } from './start-error.js';

/** A child process we started and must stop: its process group gets `stopSignal`, then SIGKILL if it lingers. */
export interface ManagedChild {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Set when the process could not be spawned at all (EACCES, ENOENT). */
  spawnError: () => Error | undefined;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Every child still running, in start order. A start that fails or is interrupted half-way stops
 * these — including ones whose start had not finished — so nothing outlives it.
 */
const running = new Set<ManagedChild>();

export function startChild(
  name: string,
  cmd: string,
  args: string[],
  opts: SpawnOptions,
  how: { stopSignal?: NodeJS.Signals } = {},
): ManagedChild {
  // Its own process group, so a stop reaches whatever it spawned in turn.
  const child = spawn(cmd, args, { ...opts, detached: true });
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      spawnError = err;
      resolve(null);
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const managed: ManagedChild = {
    name,
    process: child,
    exited,
    spawnError: () => spawnError,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null && !spawnError) {
        signalGroup(how.stopSignal ?? 'SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      signalGroup('SIGKILL'); // stragglers of the group that outlived its leader
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  killGroupsOnExit();
  stopOnSignalUnlessHandled();
  return managed;
}

/** Stops every child still running, the last started first. */
export async function stopAllChildren(onError: (name: string, err: unknown) => void): Promise<void> {
  for (const c of [...running].reverse()) await c.stop().catch((err: unknown) => onError(c.name, err));
}

let exitHookInstalled = false;

/** Last resort for an exit we did not plan (process.exit elsewhere, a crash): no child survives us. */
function killGroupsOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) {
      if (c.process.pid === undefined) continue;
      try {
        process.kill(-c.process.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
}

let signalHooksInstalled = false;

/**
 * Our children have process groups of their own, so a Ctrl-C at the terminal no longer reaches
 * them directly. A process that handles SIGINT/SIGTERM itself (tollgate start) stops them in its
 * own order; for one that does not (npm test's runner, a test file), stop them here, then exit.
 */
function stopOnSignalUnlessHandled(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      void stopAllChildren(() => undefined).finally(() => process.exit(128 + SIGNAL_NUMBERS[signal]));
    });
  }
}

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Resolves when `probe` succeeds; rejects with one sentence if the child exits first or the
 * deadline passes (`whereToLook` ends it: the last line of its log and where the log is).
 */
export async function waitUntilReady(
  child: ManagedChild,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  whereToLook: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      const spawnError = child.spawnError();
      throw new StartError(spawnError ? `The ${child.name} could not be started (${spawnError.message}).` : `The ${child.name} exited during startup (${whereToLook()}).`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new StartError(`The ${child.name} was not ready after ${Math.round(timeoutMs / 1000)} s (${whereToLook()}).`);
}
