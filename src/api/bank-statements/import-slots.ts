/**
 * A counter of the statement imports running in one API process. An import past the limit is
 * refused at once rather than queued: a queue would hold every waiting upload's bytes (up to
 * STATEMENT_MAX_BYTES each) in memory, and the uploader can simply send again.
 */
export class ImportSlots {
  private running = 0;

  constructor(readonly max: number) {}

  /** A release function when a slot is free (call it exactly once), otherwise undefined. */
  tryAcquire(): (() => void) | undefined {
    if (this.running >= this.max) return undefined;
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
    };
  }

  get inUse(): number {
    return this.running;
  }
}
