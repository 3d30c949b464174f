import autocannon from 'autocannon';
import { percentile } from '../lib/table.js';

/** One request to send: its own body and headers (a signed callback is good once). */
export interface Shot {
  body: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  connections: number;
  sent: number;
  ok: number;
  /** Answers that were not 2xx, and connection errors or timeouts. */
  failed: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Sends every shot once over `connections` keep-alive connections, as fast as the server answers
 * (closed loop: a connection sends its next request when the last one is answered), and times each
 * answer (autocannon's own per-response timer, in ms with sub-ms precision).
 */
export async function fire(url: string, path: string, shots: Shot[], connections: number): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    const options: autocannon.Options = {
      url,
      connections,
      amount: shots.length,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path,
          setupRequest: (req) => {
            const shot = shots[next++ % shots.length] as Shot;
            return { ...req, body: shot.body, headers: { 'content-type': 'application/json', ...shot.headers } };
          },
        },
      ],
    };
    instance = autocannon(options, (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)));
  });
  // Timed here: autocannon's own duration is rounded up to its next 1 s sampling tick.
  const started = performance.now();
  let lastAnswer = started;
  instance?.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastAnswer = performance.now();
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await done;
  const seconds = (lastAnswer - started) / 1000;
  latencies.sort((a, b) => a - b);
  const failed = result.non2xx + result.errors + result.timeouts;
  return {
    connections,
    sent: shots.length,
    ok: result['2xx'],
    failed,
    seconds,
    perSecond: result['2xx'] / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
