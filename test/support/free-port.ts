import { createServer } from 'node:net';

/**
 * Ports this process has already handed out. The kernel may give the same ephemeral port to two
 * `listen(0)` calls in a row once the first is closed, so a test asking for four ports could get
 * one twice (CI saw "Port 38285 is asked for twice (TOLLGATE_POSTGRES_PORT and PORT)").
 */
const handedOut = new Set<number>();

function onePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1, and never one this process was given before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = await onePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found that was not handed out before (${handedOut.size} handed out)`);
}
