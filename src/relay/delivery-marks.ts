import type { Logger } from 'pino';
import { markManyDelivered } from '../db/inbound-requests.js';
import type { Queryable } from '../db/pool.js';

/**
 * The 'delivered' marks of callbacks whose signal reached their workflow (sent by the dispatcher
 * after the answer, src/relay/callback-dispatch.ts), many to one UPDATE: while one batch is being
 * written the next gathers (a group commit), so under load a callback costs its journal INSERT and
 * its signal, not a third round trip.
 *
 * The mark is bookkeeping for the relay, not the journal: the request was journaled and accepted
 * (committed) before it was signalled, and Temporal keeps the signal. A mark lost to a crash or a
 * failed write leaves the row 'accepted', and the relay signals it again once no live dispatcher
 * can hold it (dispatchBoundMs + CALLBACK_RELAY_GRACE_MS after it was accepted) — a second
 * delivery of one outcome, which a running payment workflow ignores; if it has closed meanwhile in
 * the state the callback reports, deliverCallback marks the row 'delivered', not 'late'.
 */
/**
 * How long the first mark of a batch waits for others. Under light load a callback arrives every
 * few milliseconds and each mark would otherwise be its own UPDATE (a round trip per callback,
 * which the dispatcher's signal already costs); the mark is bookkeeping, so a short wait is free.
 */
export const MARK_GATHER_MS = 20;

export class DeliveryMarks {
  private waiting: bigint[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly gatherMs = MARK_GATHER_MS,
  ) {}

  add(journalId: bigint): void {
    this.waiting.push(journalId);
    this.writing ??= this.drain();
  }

  /** Resolves once every mark added so far is written (or has failed and been logged). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    if (this.gatherMs > 0) await new Promise((resolve) => setTimeout(resolve, this.gatherMs));
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await markManyDelivered(this.db, batch);
      } catch (err) {
        this.log.warn({ err, journalIds: batch.map(String) }, 'delivery marks not written; the relay will deliver these callbacks again');
      }
    }
    this.writing = undefined;
  }
}
