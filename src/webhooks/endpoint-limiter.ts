/**
 * Attempts in flight per endpoint in this worker process. An attempt that finds its endpoint at
 * the limit does not wait for a permit (that would hold one of the webhook activity slots, and a
 * slow endpoint's backlog would end up holding them all): it reports "busy" with a wait, and the
 * workflow asks again after that timer, holding nothing meanwhile.
 *
 * The wait is a place in a virtual queue per endpoint: each busy attempt reserves the next moment
 * a permit should free up (the endpoint's recent latency divided by the limit, after the one
 * reserved before it). So a fast endpoint's backlog comes back within milliseconds, and a slow
 * one's thousands of deliveries are spread over the time the endpoint needs for them — each asks
 * about once, instead of all of them polling.
 */
export class EndpointLimiter {
  private readonly endpoints = new Map<string, { inFlight: number; latencyMs: number; nextFreeAt: number }>();

  constructor(
    private readonly perEndpoint: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A release function (given the attempt's latency), or the wait in ms before asking again. */
  tryAcquire(endpointId: string): { release: (latencyMs: number) => void } | { busyMs: number } {
    const e = this.endpoints.get(endpointId) ?? { inFlight: 0, latencyMs: INITIAL_LATENCY_MS, nextFreeAt: 0 };
    this.endpoints.set(endpointId, e);
    if (e.inFlight >= this.perEndpoint) {
      const at = Math.max(this.now(), e.nextFreeAt) + e.latencyMs / this.perEndpoint;
      e.nextFreeAt = at;
      return { busyMs: Math.min(MAX_BUSY_MS, Math.max(MIN_BUSY_MS, Math.round(at - this.now()))) };
    }
    e.inFlight += 1;
    let released = false;
    return {
      release: (latencyMs) => {
        if (released) return;
        released = true;
        e.inFlight -= 1;
        // Kept while idle too (one small entry per endpoint, and endpoints are few): the pace it learnt stays.
        e.latencyMs += LATENCY_WEIGHT * (latencyMs - e.latencyMs);
      },
    };
  }
}

/** What an endpoint not seen yet is taken to need per attempt. */
const INITIAL_LATENCY_MS = 100;
/** The weight of each new latency in the running average. */
const LATENCY_WEIGHT = 0.2;
const MIN_BUSY_MS = 20;
/** Past this the workflow asks again anyway: another process may have a permit free. */
const MAX_BUSY_MS = 600_000;
