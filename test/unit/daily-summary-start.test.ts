import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepEnsuring } from '../../src/temporal/daily-summary-start.js';

/** The worker's boot step for the daily summary: retried while Temporal cannot be reached, until it answers or the worker stops. */
describe('keepEnsuring', () => {
  function recordingLog() {
    const warnings: Array<{ retry?: number; retryInMs?: number }> = [];
    const infos: string[] = [];
    return { log: { warn: (fields: object) => warnings.push(fields), info: (_fields: object, message: string) => infos.push(message) }, warnings, infos };
  }
  const unreachable = () => Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });

  it('asks again with backoff after each failure until Temporal answers', async () => {
    const { log, warnings } = recordingLog();
    let calls = 0;
    const waits: number[] = [];
    const asked = await keepEnsuring(async () => {
      calls += 1;
      if (calls <= 3) throw unreachable();
      return true;
    }, { log, signal: new AbortController().signal, delayMs: (retry) => { waits.push(retry); return 1; } });
    assert.equal(asked, true);
    assert.equal(calls, 4, 'three failures, then the start that worked');
    assert.deepEqual(waits, [1, 2, 3]);
    assert.deepEqual(warnings.map((w) => w.retry), [1, 2, 3], 'each failure is logged with its retry number');
  });

  it('waits a second before its first retry by default', async () => {
    const { log, warnings } = recordingLog();
    const stop = new AbortController();
    let calls = 0;
    const done = keepEnsuring(async () => {
      calls += 1;
      throw unreachable();
    }, { log, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1, 'waits before the second try');
    assert.equal(warnings[0]?.retryInMs, 1_000);
    stop.abort();
    assert.equal(await done, undefined);
  });

  it('stops retrying when the worker stops, without waiting out its backoff', async () => {
    const { log, infos } = recordingLog();
    const stop = new AbortController();
    let calls = 0;
    const started = Date.now();
    const done = keepEnsuring(async () => {
      calls += 1;
      if (calls === 2) setTimeout(() => stop.abort(), 5);
      throw unreachable();
    }, { log, signal: stop.signal, delayMs: (retry) => (retry === 1 ? 1 : 60_000) });
    assert.equal(await done, undefined);
    assert.equal(calls, 2);
    assert.ok(Date.now() - started < 5_000, 'the minute-long wait ended with the stop');
    assert.deepEqual(infos, ['stopped before the daily summary workflow could be started']);
  });

  it('returns false without retrying when there is nobody to send it to (ensureDailySummary asked nothing)', async () => {
    const { log, warnings } = recordingLog();
    let calls = 0;
    assert.equal(await keepEnsuring(async () => { calls += 1; return false; }, { log, signal: new AbortController().signal }), false);
    assert.deepEqual([calls, warnings.length], [1, 0]);
  });
});
