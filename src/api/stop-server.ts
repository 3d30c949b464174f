import type { ServerType } from '@hono/node-server';

/**
 * Stops accepting connections and waits for the requests in flight to be answered, at most
 * `timeoutMs`; resolves true when the server closed in time. A callback request reserves its
 * dispatcher slot only partway through, so the dispatcher's drain must come after this, or it
 * could return before a request still on its way to reserve() and let the pool close under it.
 * Idle keep-alive connections are closed as they become idle (close() alone leaves a connection
 * whose request finishes after it open until its keep-alive timeout, 5 s, eating the budget).
 */
export async function stopAccepting(server: ServerType, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let sweep: NodeJS.Timeout | undefined;
  const closed = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
  if ('closeIdleConnections' in server) {
    server.closeIdleConnections();
    sweep = setInterval(() => server.closeIdleConnections(), 50);
  }
  const gaveUp = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([closed, gaveUp]);
  } finally {
    clearTimeout(timer);
    clearInterval(sweep);
  }
}
