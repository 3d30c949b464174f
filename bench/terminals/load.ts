import autocannon from 'autocannon';
import { percentile } from '../lib/table.js';

export interface RateResult {
  sent: number;
  ok: number;
  /** Answers that were not 200, connection errors and timeouts (the bench checks result 0 from the journal). */
  failed: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Sends every path once at a fixed rate (open loop, as a terminal network's burst arrives:
 * autocannon's overallRate across `connections`), and times each answer.
 */
export async function fireAtRate(url: string, paths: string[], rate: number, connections: number, headers: Record<string, string> = {}): Promise<RateResult> {
  let next = 0;
  const latencies: number[] = [];
  let good = 0;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        overallRate: rate,
        amount: paths.length,
        timeout: 30,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length], headers: { ...req.headers, ...headers } }) }],
      },
      (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
  });
  const started = performance.now();
  let lastAnswer = started;
  instance?.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastAnswer = performance.now();
    latencies.push(ms);
    if (status === 200) good += 1;
  });
  const result = await done;
  latencies.sort((a, b) => a - b);
  return {
    sent: paths.length,
    ok: good,
    failed: paths.length - good + result.errors + result.timeouts,
    perSecond: good / ((lastAnswer - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
