import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { InboundRequestRow } from '../../src/db/inbound-requests.js';
import { RELAY_PAGE, type RelayIo, relayCallbacks } from '../../src/relay/callbacks.js';
import type { RelayDeps } from '../../src/relay/deps.js';

const deps = {
  pool: undefined,
  temporal: undefined,
  log: pino({ level: 'silent' }),
  config: { CALLBACK_SIGNAL_TIMEOUT_MS: 1000, RELAY_INTERVAL_MS: 5000, TEMPORAL_TASK_QUEUE: 'q', CALLBACK_DISPATCH_MAX_PENDING: 4, CALLBACK_DISPATCH_CONCURRENCY: 4, CALLBACK_RELAY_GRACE_MS: 0 },
} as unknown as RelayDeps;

/** A journal of `count` accepted rows (ids 1..count) that listUndelivered pages through; a delivered row leaves it. */
function journal(count: number, result: (id: bigint) => 'delivered' | 'pending' = () => 'delivered') {
  const accepted = new Map<bigint, InboundRequestRow>();
  for (let i = 1; i <= count; i++) {
    accepted.set(BigInt(i), { id: BigInt(i), payment_id: `pay_${i}`, signal: { status: 'succeeded' } } as InboundRequestRow);
  }
  const delivered: bigint[] = [];
  const io: RelayIo = {
    list: async (_db, _ms, limit, afterId = 0n) => [...accepted.values()].filter((r) => r.id > afterId).slice(0, limit),
    deliver: async (_deps, id) => {
      const r = result(id);
      if (r === 'delivered') {
        accepted.delete(id);
        delivered.push(id);
      }
      return r;
    },
  };
  return { io, delivered };
}

const open = () => ({ deadline: Date.now() + 60_000, stopped: () => false });

describe('a relay tick over the callback journal (src/relay/callbacks.ts relayCallbacks)', () => {
  it('keeps taking pages while they come back full and Temporal answers', async () => {
    const { io, delivered } = journal(2 * RELAY_PAGE + 50);
    assert.equal(await relayCallbacks(deps, open(), io), true);
    assert.equal(delivered.length, 2 * RELAY_PAGE + 50, 'the whole backlog in one tick, not one page of it');
  });

  it('ends the tick at its deadline, leaving the rest to the next tick', async () => {
    const { io, delivered } = journal(3 * RELAY_PAGE);
    assert.equal(await relayCallbacks(deps, { deadline: Date.now() - 1, stopped: () => false }, io), true);
    assert.equal(delivered.length, RELAY_PAGE, 'one page, then the budget is spent');
  });

  it('stops between rows once the relay is stopping, and at the first signal Temporal refuses', async () => {
    let n = 0;
    const stopping = journal(RELAY_PAGE);
    await relayCallbacks(deps, { deadline: Date.now() + 60_000, stopped: () => ++n > 3 }, stopping.io);
    assert.equal(stopping.delivered.length, 3);

    const away = journal(3 * RELAY_PAGE, (id) => (id === 150n ? 'pending' : 'delivered'));
    assert.equal(await relayCallbacks(deps, open(), away.io), false);
    // Rows 1–149 and at most the three signalled beside row 150 (CALLBACK_DISPATCH_CONCURRENCY 4); none after.
    assert.ok(away.delivered.length >= 149 && away.delivered.length <= 152, String(away.delivered.length));
    assert.ok(away.delivered.every((id) => id < 154n), 'no row taken after the refusal');
  });

  it('signals a page CALLBACK_DISPATCH_CONCURRENCY rows at a time, not one after another', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { io, delivered } = journal(RELAY_PAGE);
    const deliverOne = io.deliver;
    io.deliver = async (d, id, delivery) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 1;
      return deliverOne(d, id, delivery);
    };
    assert.equal(await relayCallbacks(deps, open(), io), true);
    assert.equal(delivered.length, RELAY_PAGE);
    assert.equal(maxInFlight, 4);
  });
});
