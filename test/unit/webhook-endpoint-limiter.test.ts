import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointLimiter } from '../../src/webhooks/endpoint-limiter.js';
import { webhookRetryDelayMs, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_DELAYS_MS } from '../../src/domain/webhook-schedule.js';

describe('EndpointLimiter', () => {
  it('lets `perEndpoint` attempts in per endpoint, and others beside them', () => {
    const l = new EndpointLimiter(2, () => 0);
    const a = l.tryAcquire('we_a');
    const b = l.tryAcquire('we_a');
    assert.ok('release' in a && 'release' in b);
    assert.ok('busyMs' in l.tryAcquire('we_a'), 'the third to one endpoint is busy');
    assert.ok('release' in l.tryAcquire('we_b'), 'another endpoint is not held up');
    a.release(10);
    assert.ok('release' in l.tryAcquire('we_a'), 'a released permit is free again');
  });

  it("queues busy attempts at the endpoint's own pace: a slow endpoint's backlog is spread out, a fast one's comes back at once", () => {
    let now = 0;
    const l = new EndpointLimiter(2, () => now);
    const slow = [l.tryAcquire('slow'), l.tryAcquire('slow')];
    for (const p of slow) if ('release' in p) p.release(1000);
    // Learn its latency: a few attempts of 1 s each.
    for (let i = 0; i < 20; i += 1) {
      const p = l.tryAcquire('slow');
      const q = l.tryAcquire('slow');
      if ('release' in p) p.release(1000);
      if ('release' in q) q.release(1000);
    }
    const hold = [l.tryAcquire('slow'), l.tryAcquire('slow')];
    const waits = Array.from({ length: 10 }, () => l.tryAcquire('slow')).map((r) => ('busyMs' in r ? r.busyMs : -1));
    assert.ok(waits.every((w, i) => i === 0 || w > (waits[i - 1] ?? 0)), `each later in line: ${waits.join(',')}`);
    assert.ok((waits.at(-1) ?? 0) >= 4000, 'ten behind two permits of ~1 s wait about 5 s');
    for (const p of hold) if ('release' in p) p.release(1000);

    const f = [l.tryAcquire('fast'), l.tryAcquire('fast')];
    for (const p of f) if ('release' in p) p.release(5);
    const g = [l.tryAcquire('fast'), l.tryAcquire('fast')];
    const fastWait = l.tryAcquire('fast');
    assert.ok('busyMs' in fastWait && fastWait.busyMs <= 100, 'a fast endpoint is asked again soon');
    for (const p of g) if ('release' in p) p.release(5);
    now += 1;
  });
});

describe('webhook retry schedule', () => {
  it('is at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each within ±10 %', () => {
    assert.equal(WEBHOOK_MAX_ATTEMPTS, 8);
    assert.deepEqual(WEBHOOK_RETRY_DELAYS_MS, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    for (let attempt = 1; attempt < WEBHOOK_MAX_ATTEMPTS; attempt += 1) {
      const base: number = WEBHOOK_RETRY_DELAYS_MS[attempt - 1] ?? 0;
      assert.equal(webhookRetryDelayMs(attempt, 0), Math.round(base * 0.9));
      assert.equal(webhookRetryDelayMs(attempt, 0.999999), Math.round(base * 1.1 - base * 0.2 * 0.000001));
    }
    assert.equal(webhookRetryDelayMs(WEBHOOK_MAX_ATTEMPTS, 0.5), undefined, 'none after the last');
  });
});
