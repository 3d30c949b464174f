/**
 * Attempts in flight per endpoint in this worker process. An attempt that finds its endpoint at
 * the limit does not wait for a permit (that would hold one of the webhook activity slots while
 * it waits, and a slow endpoint would end up holding them all): it reports "busy" and the
 * workflow asks again after a short timer, holding nothing meanwhile.
 */
export class EndpointLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perEndpoint: number) {}

  /** A release function, or undefined when the endpoint is at its limit. */
  tryAcquire(endpointId: string): (() => void) | undefined {
    const n = this.inFlight.get(endpointId) ?? 0;
    if (n >= this.perEndpoint) return undefined;
    this.inFlight.set(endpointId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(endpointId) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(endpointId);
      else this.inFlight.set(endpointId, left);
    };
  }
}
