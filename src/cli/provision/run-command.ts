import { spawn } from 'node:child_process';

/** Runs a command to completion, echoing a heartbeat so a long first-run build does not look hung. */
export async function runWithProgress(
  label: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; log: (line: string) => void },
): Promise<void> {
  const started = Date.now();
  const heartbeat = setInterval(() => {
    opts.log(`  … ${label} still running (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 30_000);
  try {
    await new Promise<void>((resolvePromise, reject) => {
      const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      const keep = (chunk: Buffer) => {
        tail = (tail + chunk.toString('utf8')).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolvePromise() : reject(new Error(`${label} failed (exit ${code}):\n${tail.trim()}`)),
      );
    });
  } finally {
    clearInterval(heartbeat);
  }
}
