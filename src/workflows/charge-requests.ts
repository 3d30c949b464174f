import { condition } from '@temporalio/workflow';

/**
 * The charge requests a subscription workflow has taken, by request id (made from the caller's
 * Idempotency-Key), so that a repeated request — a retry after the API lost the answer, even in a
 * later run after continue-as-new — never charges again but answers the first result. Kept in the
 * workflow's snapshot; each entry for as long as the API keeps the key (`keepMs`).
 */
export interface ChargeRequestEntry<V> {
  id: string;
  /** Until when a repeat is answered from here (workflow time, ms). */
  untilMs: number;
  /** null while the first request's charge is still running. */
  result: V | null;
}

/** What a charge update carries besides the amount, when the caller sent an Idempotency-Key. */
export interface ChargeRequestKey {
  requestId?: string;
  keepMs?: number;
}

const MAX_ENTRIES = 500;

export function chargeRequestLog<V>(holder: { chargeRequests?: ChargeRequestEntry<V>[] }, nowMs: () => number) {
  const entries = () => (holder.chargeRequests ??= []);
  const find = (id: string) => entries().find((e) => e.id === id);
  return {
    /** True if this request id was taken before (answered or still running). */
    known(id: string | undefined): boolean {
      return id !== undefined && find(id) !== undefined;
    },
    /** The first request's result, once its charge has run. */
    async replay(id: string): Promise<V> {
      await condition(() => find(id)?.result != null);
      const result = find(id)?.result;
      if (result == null) throw new Error(`charge request ${id} vanished`);
      return result;
    },
    begin(id: string, keepMs: number): void {
      const now = nowMs();
      const kept = entries().filter((e) => e.result === null || e.untilMs > now);
      holder.chargeRequests = [...kept.slice(Math.max(0, kept.length - MAX_ENTRIES + 1)), { id, untilMs: now + keepMs, result: null }];
    },
    finish(id: string, result: V): void {
      const entry = find(id);
      if (entry) entry.result = result;
    },
  };
}
