import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CallbackDispatcher, dispatchBoundMs, type DispatchJob } from '../../src/relay/callback-dispatch.js';
import type { DeliveryResult } from '../../src/relay/callbacks.js';

const silent = pino({ level: 'silent' });
const job = (n: number): DispatchJob => ({ journalId: BigInt(n), delivery: { kind: 'payment', paymentId: `pay_${n}`, outcome: { status: 'succeeded', gatewayTransactionId: `t-${n}` } } });

/**
 * A signaller that answers only when told: each call waits until release() lets it through, so
 * the test sees exactly what the dispatcher holds while Temporal is slow.
 */
function slowSignaller() {
  const calls: DispatchJob[] = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const deliver = async (j: DispatchJob): Promise<DeliveryResult> => {
    calls.push(j);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    inFlight -= 1;
    return 'delivered';
  };
  return {
    deliver,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Lets the oldest waiting signals finish. */
    release(n = 1) {
      for (let i = 0; i < n; i++) gates.shift()?.();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('the callback dispatcher (src/relay/callback-dispatch.ts)', () => {
  it('never holds more than its bound: the next request waits for a slot until a signal finishes', async () => {
    const temporal = slowSignaller();
    const dispatcher = new CallbackDispatcher(temporal.deliver, silent, 3, 2);
    for (let i = 1; i <= 3; i++) (await dispatcher.reserve()).dispatch(job(i));
    assert.equal(dispatcher.pending, 3);
    let fourth = false;
    const waiting = dispatcher.reserve().then((slot) => {
      fourth = true;
      return slot;
    });
    await tick();
    assert.equal(fourth, false, 'a fourth request waits while three are held');
    assert.equal(temporal.calls.length, 2, 'two signals at a time (concurrency 2)');
    temporal.release();
    const slot = await waiting;
    assert.equal(fourth, true, 'a finished signal frees a slot for the waiting request');
    assert.equal(dispatcher.pending, 3, 'the freed slot went to the waiter, still at the bound');
    slot.dispatch(job(4));
    temporal.release(3);
    await tick();
    temporal.release(3);
    assert.equal(await dispatcher.drain(1000), 0);
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [1, 2, 3, 4], 'every job signalled once, in order');
    assert.equal(temporal.maxInFlight, 2);
    assert.equal(dispatcher.pending, 0);
  });

  it('gives waiting requests their slots in the order they asked, and a released slot to the next', async () => {
    const temporal = slowSignaller();
    const dispatcher = new CallbackDispatcher(temporal.deliver, silent, 1, 1);
    const first = await dispatcher.reserve();
    const order: number[] = [];
    const second = dispatcher.reserve().then((s) => (order.push(2), s));
    const third = dispatcher.reserve().then((s) => (order.push(3), s));
    first.release(); // a duplicate: nothing to signal
    (await second).dispatch(job(2));
    await tick();
    assert.deepEqual(order, [2], 'the third still waits while the second is being signalled');
    temporal.release();
    (await third).release();
    assert.deepEqual(order, [2, 3]);
    assert.equal(dispatcher.pending, 0);
  });

  it('keeps going after a delivery that throws (Postgres away too): the slot comes back and the next job is signalled', async () => {
    const seen: number[] = [];
    const dispatcher = new CallbackDispatcher(
      async (j) => {
        seen.push(Number(j.journalId));
        if (j.journalId === 1n) throw new Error('connection refused');
        return 'delivered';
      },
      silent,
      1,
      1,
    );
    (await dispatcher.reserve()).dispatch(job(1));
    (await dispatcher.reserve()).dispatch(job(2));
    assert.equal(await dispatcher.drain(1000), 0);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(dispatcher.pending, 0);
  });

  it('drains on shutdown: waits for what it holds, and gives up after its bound leaving the rest to the relay', async () => {
    const temporal = slowSignaller();
    const dispatcher = new CallbackDispatcher(temporal.deliver, silent, 10, 2);
    for (let i = 1; i <= 4; i++) (await dispatcher.reserve()).dispatch(job(i));
    const drained = dispatcher.drain(5000);
    temporal.release(2);
    await tick();
    temporal.release(2);
    assert.equal(await drained, 0, 'all four signalled before the drain returned');
    assert.equal(temporal.calls.length, 4);

    const stuck = slowSignaller(); // Temporal that never answers
    const stalled = new CallbackDispatcher(stuck.deliver, silent, 10, 2);
    for (let i = 1; i <= 3; i++) (await stalled.reserve()).dispatch(job(i));
    const started = Date.now();
    assert.equal(await stalled.drain(50), 3, 'two in flight and one queued are left when the drain gives up');
    assert.ok(Date.now() - started < 2000, 'the drain is bounded');
    stuck.release(3);
  });

  it('while Temporal is away leaves jobs to the relay at once instead of holding slots, and probes again later', async () => {
    const signalled: number[] = [];
    const left: number[] = [];
    let temporalUp = false;
    const dispatcher = new CallbackDispatcher(
      async (j) => {
        signalled.push(Number(j.journalId));
        return temporalUp ? 'delivered' : 'pending'; // 'pending': the signal failed, the row is the relay's
      },
      silent,
      10,
      1,
      { leave: async (j) => void left.push(Number(j.journalId)), awayMs: 200 },
    );
    (await dispatcher.reserve()).dispatch(job(1));
    await dispatcher.drain(1000);
    for (let i = 2; i <= 4; i++) (await dispatcher.reserve()).dispatch(job(i));
    assert.equal(await dispatcher.drain(1000), 0);
    assert.deepEqual([signalled, left], [[1], [2, 3, 4]], 'one failed signal, then the rest left for the relay without a try');
    temporalUp = true;
    await new Promise((r) => setTimeout(r, 250));
    (await dispatcher.reserve()).dispatch(job(5));
    assert.equal(await dispatcher.drain(1000), 0);
    assert.deepEqual(signalled, [1, 5], 'after awayMs the next job is signalled again');
    assert.equal(dispatcher.pending, 0);
  });

  it('with a relay to hand over to never makes a request wait: a job that finds the backlog full is left for the relay', async () => {
    const temporal = slowSignaller();
    const left: Array<[number, string]> = [];
    const dispatcher = new CallbackDispatcher(temporal.deliver, silent, 2, 1, { leave: async (j, why) => void left.push([Number(j.journalId), why]), awayMs: 1000 });
    const slots = [];
    for (let i = 1; i <= 5; i++) {
      // Each reserve() resolves at once, although only two jobs fit: none waits for Temporal.
      const slot = await Promise.race([dispatcher.reserve(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
      assert.ok(slot, `request ${i} got its slot at once`);
      slots.push(slot);
    }
    slots.forEach((slot, i) => slot.dispatch(job(i + 1)));
    await tick();
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [1], 'one signal at a time, one queued');
    assert.deepEqual(left, [[3, 'backlog_full'], [4, 'backlog_full'], [5, 'backlog_full']], 'the rest recorded for the relay at once');
    temporal.release();
    await tick();
    (await dispatcher.reserve()).dispatch(job(6)); // room again: queued, not left
    temporal.release(2);
    await tick();
    temporal.release(2);
    assert.equal(await dispatcher.drain(1000), 0);
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [1, 2, 6]);
    assert.equal(left.length, 3);
    assert.equal(dispatcher.pending, 0);
  });

  it('wakes the relay once its backlog has overflowed and then cleared, after the rows left for it are recorded', async () => {
    const temporal = slowSignaller();
    const recorded: number[] = [];
    const gates: Array<() => void> = [];
    // Recording a left job takes a while (an UPDATE): the relay must not be woken before it is done.
    const leave = async (j: DispatchJob) => {
      await new Promise<void>((r) => gates.push(r));
      recorded.push(Number(j.journalId));
    };
    const dispatcher = new CallbackDispatcher(temporal.deliver, silent, 1, 1, { leave, awayMs: 1000 });
    const woken: Array<number[]> = [];
    dispatcher.onBacklogCleared(() => woken.push([...recorded]));
    for (let i = 1; i <= 3; i++) (await dispatcher.reserve()).dispatch(job(i));
    await tick();
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [1], 'one signalled, two left');
    temporal.release();
    await tick();
    assert.deepEqual(woken, [], 'not while a left job is still being recorded');
    gates.splice(0).forEach((g) => g());
    await tick();
    assert.deepEqual(woken, [[2, 3]], 'woken once, with both left rows recorded');
    // A backlog that never overflowed wakes nobody.
    (await dispatcher.reserve()).dispatch(job(4));
    await tick();
    temporal.release();
    await tick();
    assert.equal(await dispatcher.drain(1000), 0);
    assert.equal(woken.length, 1);
  });

  it('after the away period sends exactly one probe; the others go to the relay until it succeeds', async () => {
    const temporal = slowSignaller();
    let up = false;
    const left: number[] = [];
    const dispatcher = new CallbackDispatcher(
      async (j) => (up ? temporal.deliver(j) : 'pending'),
      silent,
      10,
      4,
      { leave: async (j) => void left.push(Number(j.journalId)), awayMs: 30 },
    );
    (await dispatcher.reserve()).dispatch(job(1)); // fails: Temporal is away
    await dispatcher.drain(1000);
    await new Promise((r) => setTimeout(r, 50));
    up = true; // back, but slow: the probe's signal takes until release()
    for (let i = 2; i <= 5; i++) (await dispatcher.reserve()).dispatch(job(i));
    await tick();
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [2], 'one job probes, although four could run at once');
    assert.deepEqual(left, [3, 4, 5], 'the rest are left to the relay while the probe is out');
    temporal.release();
    assert.equal(await dispatcher.drain(1000), 0);
    (await dispatcher.reserve()).dispatch(job(6));
    (await dispatcher.reserve()).dispatch(job(7));
    await tick();
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [2, 6, 7], 'after the probe succeeded, signals run concurrently again');
    temporal.release(2);
    assert.equal(await dispatcher.drain(1000), 0);
  });

  it('drains a slot reserved before the drain began whose job is dispatched later (its INSERT was still running)', async () => {
    const temporal = slowSignaller();
    const dispatcher = new CallbackDispatcher(temporal.deliver, silent, 10, 2);
    const slot = await dispatcher.reserve(); // a request between reserve() and its journal INSERT
    let drained: number | undefined;
    const draining = dispatcher.drain(5000).then((n) => (drained = n));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(drained, undefined, 'the drain waits for the held slot, though nothing is queued yet');
    slot.dispatch(job(1));
    await tick();
    assert.equal(drained, undefined, 'and for its signal');
    temporal.release();
    await draining;
    assert.equal(drained, 0);
    assert.deepEqual(temporal.calls.map((j) => Number(j.journalId)), [1]);

    const stuck = new CallbackDispatcher(temporal.deliver, silent, 10, 2);
    await stuck.reserve(); // never dispatched: the drain gives up at its bound and says so
    assert.equal(await stuck.drain(30), 1);
  });

  it('refuses dispatcher and relay settings past their caps (timers over 2^31 ms fire at once)', () => {
    for (const [name, value] of [
      ['CALLBACK_SIGNAL_TIMEOUT_MS', '600001'],
      ['RELAY_INTERVAL_MS', '2147483648'],
      ['CALLBACK_DISPATCH_MAX_PENDING', '1000001'],
      ['CALLBACK_DISPATCH_CONCURRENCY', '10001'],
      ['CALLBACK_DISPATCH_DRAIN_MS', '600001'],
      ['CALLBACK_RELAY_GRACE_MS', '604800001'],
    ] as const) {
      assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.includes(name), name);
    }
    assert.doesNotThrow(() => loadConfig({ CALLBACK_SIGNAL_TIMEOUT_MS: '600000', CALLBACK_DISPATCH_MAX_PENDING: '1000000', CALLBACK_RELAY_GRACE_MS: '604800000' }));
  });

  it('states how long a live dispatcher can hold a row, which the relay waits out', () => {
    // 256 rows, 32 at a time, each signal at most 5 s: 8 rounds before the last starts, then its own.
    assert.equal(dispatchBoundMs({ CALLBACK_DISPATCH_MAX_PENDING: 256, CALLBACK_DISPATCH_CONCURRENCY: 32, CALLBACK_SIGNAL_TIMEOUT_MS: 5000 }), 45_000);
    assert.equal(dispatchBoundMs({ CALLBACK_DISPATCH_MAX_PENDING: 5, CALLBACK_DISPATCH_CONCURRENCY: 2, CALLBACK_SIGNAL_TIMEOUT_MS: 1000 }), 4000);
  });
});
