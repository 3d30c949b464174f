import { closeSync, openSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../temporal/search-attributes.js';
import { type ManagedChild, startChild, waitUntilReady } from './child-process.js';
import { logHint } from './log-tail.js';

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  child: ManagedChild;
}

/**
 * Starts `temporal server start-dev` with Tollgate's search attributes registered, and waits until
 * its frontend answers. `dbFile` keeps state across restarts; omit it for an in-memory server.
 * A server that does not come up is stopped before this rejects, so it never outlives a failed start.
 */
export async function startTemporalDevServer(o: {
  cli: string;
  port: number;
  uiPort?: number | undefined;
  dbFile?: string | undefined;
  logFile: string;
}): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'warn'];
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  else args.push('--headless');
  for (const [name, type] of SEARCH_ATTRIBUTE_REGISTRATIONS) args.push('--search-attribute', `${name}=${type}`);
  // Frequent enough for integration tests; the default (10 s) makes lists lag behind.
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');

  const out = openSync(o.logFile, 'a');
  const child = startChild('Temporal dev server', o.cli, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const address = `127.0.0.1:${o.port}`;
  await waitUntilReady(
    child,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    120_000,
    () => logHint(o.logFile),
  ).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return { address, uiUrl: o.uiPort ? `http://localhost:${o.uiPort}` : undefined, child };
}
