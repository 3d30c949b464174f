import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { type ManagedChild, startChild, waitUntilReady } from './child-process.js';
import { logHint } from './log-tail.js';

export interface TemporalUi {
  url: string;
  child: ManagedChild;
}

/**
 * The Temporal UI server for the cluster, in its own process group, on 127.0.0.1 only: whoever
 * reaches the UI can signal a payment "succeeded" (README, "Operations"). Its config is ours,
 * written under `dir` (`--root dir --env development` reads `dir/config/development.yaml`; no
 * base.yaml there, so nothing else is merged in), never the module's. Rejects — with the UI
 * stopped — if it does not answer /healthz.
 */
export async function startTemporalUi(o: { binary: string; port: number; temporalAddress: string; namespace: string; dir: string }): Promise<TemporalUi> {
  mkdirSync(join(o.dir, 'config'), { recursive: true });
  const url = `http://localhost:${o.port}`;
  writeFileSync(
    join(o.dir, 'config', 'development.yaml'),
    YAML.stringify({
      temporalGrpcAddress: o.temporalAddress,
      host: '127.0.0.1',
      port: o.port,
      enableUi: true,
      defaultNamespace: o.namespace,
      // As the CLI's dev server sets it: the UI is served over plain HTTP on loopback.
      cors: { cookieInsecure: true, allowOrigins: [url, `http://127.0.0.1:${o.port}`] },
      notifyOnNewVersion: false,
      hideLogs: true,
    }),
  );
  const logFile = join(o.dir, 'temporal-ui.log');
  const out = openSync(logFile, 'a');
  const child = startChild('Temporal UI server', o.binary, ['--root', o.dir, '--config', 'config', '--env', 'development', 'start'], {
    stdio: ['ignore', out, out],
    cwd: o.dir,
  });
  closeSync(out);
  await waitUntilReady(child, async () => (await fetch(`http://127.0.0.1:${o.port}/healthz`)).ok, 60_000, () => logHint(logFile)).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return { url, child };
}
