import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports this process has already handed out. The kernel may give the same ephemeral port to two
 * `listen(0)` calls in a row once the first is closed, so a test asking for four ports could get
 * one twice (CI saw "Port 38285 is asked for twice (TOLLGATE_POSTGRES_PORT and PORT)").
 */
const handedOut = new Set<number>();

/** Below the kernel's ephemeral range, and above the ports services are known by. */
const LOWEST = 10_000;

/**
 * The first port of the range the kernel picks the local ports of outgoing connections from. A
 * port in that range that was free a moment ago can be taken by any client socket before the
 * server it was meant for binds it (CI saw the Temporal dev server fail with "bind: address
 * already in use" on such a port); a port below it is only ever taken by a listener.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

const BELOW = ephemeralLow();

function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const address = srv.address();
      const got = typeof address === 'object' && address ? address.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1, below the kernel's ephemeral range (so no
 * outgoing connection takes it meanwhile), and never one this process was given before.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    // Room above for the ports a dev server derives from its own (+1000 for its HTTP API).
    const candidate = LOWEST + Math.floor(Math.random() * (BELOW - LOWEST - 1000));
    if (handedOut.has(candidate)) continue;
    const port = await listenable(candidate);
    if (port !== undefined) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found below ${BELOW} that was not handed out before (${handedOut.size} handed out)`);
}
