import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DeliveryResult } from './callbacks.js';
import type { Delivery } from './delivery.js';

/** An accepted callback, committed in the journal, on its way to its workflow. */
export interface DispatchJob {
  journalId: bigint;
  delivery: Delivery;
}

/** A place in the dispatcher's backlog, held from before the journal INSERT until the job is handed over. */
export interface DispatchSlot {
  /** Queues the accepted row for its signal; the slot is the job's until it is signalled. */
  dispatch(job: DispatchJob): void;
  /** Gives the place back unused (the request was a duplicate, refused, or its INSERT failed). */
  release(): void;
}

/** Why a job went to the relay unsignalled: Temporal failed a signal a moment ago, or the backlog was at its bound. */
export type LeaveReason = 'temporal_away' | 'backlog_full';

type DispatchConfig = Pick<Config, 'CALLBACK_DISPATCH_MAX_PENDING' | 'CALLBACK_DISPATCH_CONCURRENCY' | 'CALLBACK_SIGNAL_TIMEOUT_MS'>;

/**
 * The longest an accepted row can sit in a live dispatcher before its signal has been tried: it
 * was queued behind at most MAX_PENDING − 1 others, CONCURRENCY at a time, each signal bounded by
 * CALLBACK_SIGNAL_TIMEOUT_MS, and then its own. The relay leaves a row this long (plus its grace)
 * after its decided_at — the moment it was queued, since its slot was taken before the INSERT.
 */
export function dispatchBoundMs(config: DispatchConfig): number {
  const rounds = Math.ceil(config.CALLBACK_DISPATCH_MAX_PENDING / config.CALLBACK_DISPATCH_CONCURRENCY);
  return (rounds + 1) * config.CALLBACK_SIGNAL_TIMEOUT_MS;
}

/**
 * Signals accepted callbacks to their workflows after the endpoint has answered them,
 * with bounded concurrency (DESIGN.md §3.4: the answer waits for the committed journal row, not
 * for Temporal). The backlog — jobs queued and in flight — never exceeds `maxPending`. With a relay
 * to hand over to (`away`, as every API process has), a job that finds the backlog full is left for
 * the relay instead (its attempt recorded, so the relay's next tick takes it): answers never wait
 * for Temporal, so a burst from a terminal network or a gateway is answered at the journal's rate
 * and delivered at Temporal's, the rows waiting in Postgres, not in memory. Without one (tests of
 * the bound itself) a request takes its slot before its INSERT and waits for one when none is free.
 * The queue is memory, the journal is the record: a row whose signal failed (noteDeliveryFailure)
 * or whose process died is the relay's (src/relay/callbacks.ts).
 */
export class CallbackDispatcher {
  private held = 0;
  private running = 0;
  private readonly queue: DispatchJob[] = [];
  private readonly waiting: Array<() => void> = [];
  private idle: Array<() => void> = [];
  /** Until then, Temporal failed a signal a moment ago: jobs go straight to the relay. */
  private awayUntil = 0;
  /** A signal failed and its away period is over: one job is probing Temporal now. */
  private probing = false;
  /** Jobs being recorded for the relay because the backlog was full (their UPDATE not yet done). */
  private leaving = 0;
  /** Since the backlog last cleared, a job was left for the relay because it was full. */
  private overflowed = false;
  private backlogCleared: (() => void) | undefined;

  constructor(
    private readonly deliver: (job: DispatchJob) => Promise<DeliveryResult>,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly maxPending: number,
    private readonly concurrency: number,
    /**
     * While Temporal is away (a signal failed in the last `awayMs`), a job is not signalled but
     * left for the relay at once (`leave` records the attempt), so a stalled Temporal does not hold
     * every slot for a signal timeout each and slow answers to a crawl. Once `awayMs` has passed,
     * exactly one job probes Temporal; the others are still left for the relay until that probe's
     * signal succeeds — a paused Temporal would otherwise cost CONCURRENCY jobs a signal timeout
     * each, stalling answers behind their slots. A failed probe starts another away period.
     */
    private readonly away: { leave: (job: DispatchJob, why: LeaveReason) => Promise<void>; awayMs: number } | undefined = undefined,
  ) {}

  /** Slots held: reserved by a request, queued, being signalled, or being left for the relay. */
  get pending(): number {
    return this.held;
  }

  /**
   * A slot for one request: at once when there is a relay to overflow to, else once the backlog is
   * under its bound, in the order requests asked.
   */
  async reserve(): Promise<DispatchSlot> {
    if (this.away || (this.held < this.maxPending && this.waiting.length === 0)) this.held += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over already counted
    let used = false;
    return {
      dispatch: (job) => {
        if (used) throw new Error('a dispatch slot is used once');
        used = true;
        // Judged now, not at reserve(): the backlog may have drained while the INSERT ran. The
        // queue's bound is what dispatchBoundMs — the relay's wait for an abandoned row — rests on.
        if (this.away && this.queue.length + this.running >= this.maxPending) {
          this.overflowed = true;
          this.leaving += 1;
          void this.leave(this.away, job, 'backlog_full').finally(() => {
            this.leaving -= 1;
            this.clearedCheck();
          });
          return;
        }
        this.queue.push(job);
        this.pump();
      },
      release: () => {
        if (used) return;
        used = true;
        this.free();
      },
    };
  }

  /**
   * Called once the backlog has overflowed to the relay and then cleared (nothing queued, in
   * flight or still being recorded): the API wakes its relay then (src/relay/index.ts), so the
   * rows a burst left in the journal are signalled as soon as Temporal has room, not at the next
   * RELAY_INTERVAL_MS tick.
   */
  onBacklogCleared(fn: () => void): void {
    this.backlogCleared = fn;
  }

  private clearedCheck(): void {
    if (!this.overflowed || this.queue.length > 0 || this.running > 0 || this.leaving > 0) return;
    this.overflowed = false;
    this.backlogCleared?.();
  }

  /** Records the job for the relay; a failed write leaves the row without an attempt, which the relay takes once abandoned. */
  private async leave(away: NonNullable<CallbackDispatcher['away']>, job: DispatchJob, why: LeaveReason): Promise<void> {
    try {
      await away.leave(job, why);
    } catch (err) {
      this.log.warn({ err, journalId: job.journalId.toString() }, 'could not leave a callback for the relay; it takes the row once abandoned');
    } finally {
      this.free();
    }
  }

  /**
   * Waits until no slot is held — every job signalled (or failed and been left for the relay), and
   * every request that reserved a slot has dispatched or released it — at most `timeoutMs`. A
   * request whose journal INSERT is still running holds a slot but has no job yet; returning
   * before it dispatches would let the pool close under its signal. Returns how many slots were
   * still held when it gave up: their rows, if committed, stay 'accepted' for the relay.
   */
  async drain(timeoutMs: number): Promise<number> {
    if (this.held === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return this.held;
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const job = this.queue.shift();
      if (!job) break;
      this.running += 1;
      void this.run(job);
    }
  }

  private async run(job: DispatchJob): Promise<void> {
    let probe = false;
    try {
      if (this.away && (Date.now() < this.awayUntil || this.probing)) await this.away.leave(job, 'temporal_away');
      else {
        // awayUntil stays set until a signal succeeds, so a past one means this job is the probe.
        probe = this.awayUntil > 0;
        if (probe) this.probing = true;
        const result = await this.deliver(job);
        if (this.away) this.awayUntil = result === 'pending' ? Date.now() + this.away.awayMs : 0;
      }
    } catch (err) {
      // deliverCallback records a failed signal itself; this is Postgres failing too. The row has
      // no attempt recorded, so the relay takes it once dispatchBoundMs has passed.
      this.log.warn({ err, journalId: job.journalId.toString() }, 'callback dispatch failed; the relay will deliver it');
    } finally {
      if (probe) this.probing = false;
      this.running -= 1;
      this.free();
      this.pump();
      this.clearedCheck();
    }
  }

  /** A slot comes back: the longest waiter takes it as it is, else the count drops. */
  private free(): void {
    const next = this.waiting.shift();
    if (next) return next();
    this.held -= 1;
    if (this.held > 0) return;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
