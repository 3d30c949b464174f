import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_PORT_RANGE, clusterPortClaims, clusterPorts } from '../../src/cli/stack/temporal-cluster.js';
import { StartError } from '../../src/cli/stack/start-error.js';

describe('the local cluster’s Temporal ports', () => {
  it('are the module’s own defaults for frontend 7233', () => {
    const p = clusterPorts(7233);
    assert.deepEqual([p.frontend, p.history, p.matching, p.worker, p.frontendHttp, p.metrics], [7233, 7234, 7235, 7239, 7243, 8000]);
    assert.deepEqual(p.membership, { frontend: 6933, history: 6934, matching: 6935, worker: 6939 });
  });

  it('are ten distinct claims, each moved by TOLLGATE_TEMPORAL_PORT', () => {
    const claims = clusterPortClaims(7233);
    assert.equal(new Set(claims.map((c) => c.port)).size, 10);
    assert.ok(claims.every((c) => c.variable === 'TOLLGATE_TEMPORAL_PORT'));
  });

  it('refuses, in one sentence, a frontend whose membership ports would not fit the smallint Temporal stores them in', () => {
    assert.doesNotThrow(() => clusterPortClaims(CLUSTER_PORT_RANGE.max));
    assert.throws(() => clusterPortClaims(CLUSTER_PORT_RANGE.max + 1), (err: unknown) => err instanceof StartError && /TOLLGATE_TEMPORAL_PORT=33062.*between 1324 and 33061/.test(err.message));
    assert.throws(() => clusterPortClaims(CLUSTER_PORT_RANGE.min - 1), StartError);
  });
});
