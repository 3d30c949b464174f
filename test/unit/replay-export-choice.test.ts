import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Candidate, featuresOf, pickCovering } from '../replay/export-histories.js';
import type { History } from '../support/history-json.js';

/** Which closed runs test/replay/export-histories.ts keeps as replay fixtures. */
type Event = NonNullable<History['events']>[number];
const activity = (name: string): Event => ({ activityTaskScheduledEventAttributes: { activityType: { name } } });
const signal = (signalName: string): Event => ({ workflowExecutionSignaledEventAttributes: { signalName } });
const patch = (id: string): Event => ({
  markerRecordedEventAttributes: { markerName: 'core_patch', details: { 'patch-data': { payloads: [{ data: Buffer.from(JSON.stringify({ id, deprecated: false })) }] } } },
});
const completed: Event = { workflowExecutionCompletedEventAttributes: {} };

function run(workflowId: string, events: Event[]): Candidate {
  const history = { events } as History;
  return { type: 'paymentWorkflow', workflowId, runId: `${workflowId}-run`, history, features: new Set(featuresOf(history)) };
}

describe('choosing the histories to record', () => {
  it('names what a run did: activities, signals, patches by id (not the SDK\'s own), the end', () => {
    const h = { events: [patch('card-stops-at-expiry'), patch('__sdk_internal_patch_number:1'), signal('gatewayOutcome'), activity('recordPaymentOutcome'), completed] } as History;
    assert.deepEqual(featuresOf(h), ['patch card-stops-at-expiry', 'signal gatewayOutcome', 'activity recordPaymentOutcome', 'ends completed']);
  });

  it('keeps the runs that between them cover every feature, then new orders, up to the cap', () => {
    const plain = run('a', [signal('gatewayOutcome'), activity('record'), completed]);
    const same = run('b', [signal('gatewayOutcome'), activity('record'), completed]);
    const deferred = run('c', [signal('gatewayOutcome'), activity('record'), activity('createTemporary'), completed]);
    const reordered = run('d', [activity('record'), signal('gatewayOutcome'), completed]);
    const kept = pickCovering([plain, same, deferred, reordered], 6).map((c) => c.workflowId);
    assert.equal(kept[0], 'c', 'the run with the most features first');
    assert.deepEqual(kept.sort(), ['a', 'c', 'd'], 'a run exactly like a kept one is left out');
    assert.equal(pickCovering([plain, same, deferred, reordered], 1).length, 1);
  });
});
