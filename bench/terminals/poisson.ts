import { Agent, request } from 'node:http';
import { percentile } from '../lib/table.js';
import type { RateResult } from './load.js';

/**
 * Sends every path once as a Poisson process of `rate` arrivals per second (exponential gaps, so
 * the bursts are those of many independent terminals, not autocannon's: its overallRate lets each
 * connection send its whole per-second quota at the start of each second, a 200-request burst at
 * once), over at most `connections` keep-alive sockets. Each latency runs from the request's
 * scheduled arrival, so time spent waiting for a free socket is counted (no coordinated omission).
 */
export async function firePoisson(url: string, paths: string[], rate: number, connections: number): Promise<RateResult> {
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  let lastAnswer = started;
  let due = started;
  const inFlight: Array<Promise<void>> = [];
  const send = (path: string, scheduled: number) =>
    new Promise<void>((resolve) => {
      const req = request({ host: base.hostname, port: base.port, path, method: 'GET', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          lastAnswer = performance.now();
          latencies.push(lastAnswer - scheduled);
          if (res.statusCode === 200) ok += 1;
          else failed += 1;
          resolve();
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failed += 1;
        resolve();
      });
      req.end();
    });
  for (const path of paths) {
    due += -Math.log(1 - Math.random()) * (1000 / rate);
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send(path, due));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { sent: paths.length, ok, failed, perSecond: ok / ((lastAnswer - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
