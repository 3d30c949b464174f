import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Client, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { STATE_CONFLICT, StateConflictError, UnavailableError } from '../../src/domain/errors.js';
import { isWorkflowClosed, startFailure, updateFailure } from '../../src/temporal/errors.js';
import { signalGatewayOutcome } from '../../src/temporal/signals.js';
import { runUpdate } from '../../src/temporal/updates.js';
import { stopUpdate } from '../../src/workflows/subscription-messages.js';

/** A gRPC status as @grpc/grpc-js hands it to the client (what isGrpcServiceError recognises). */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

const when = { closed: 'the subscription is system_stopped (card_expired)', details: { state: 'system_stopped' } };

/**
 * The one reading of Temporal's answers (src/temporal/errors.ts): StateConflictError is the API's
 * 409 and UnavailableError its 503 (src/api/problem.ts maps each class once); anything else is
 * passed on as it is.
 */
describe('Temporal update errors, mapped once', () => {
  it("a validator's refusal (ApplicationFailure of type STATE_CONFLICT) is a 409 with the workflow's reason", () => {
    const err = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('the subscription is user_stopped', STATE_CONFLICT));
    const mapped = updateFailure(err, when);
    assert.ok(mapped instanceof StateConflictError);
    assert.equal(mapped.message, 'the subscription is user_stopped');
    assert.deepEqual(mapped.details, { state: 'system_stopped' });
  });

  it('an ended workflow is a 409 in the caller\'s words: WorkflowNotFoundError or gRPC NOT_FOUND', () => {
    const closed = [
      new WorkflowNotFoundError('workflow execution already completed', 'subscription:sub_1', undefined),
      new ServiceError('Workflow Update failed', { cause: grpcError(5, 'workflow execution already completed') }),
      new ServiceError('Workflow Update failed', { cause: grpcError(5, 'workflow not found for ID: subscription:sub_1') }),
      grpcError(5, 'anything at all: the status decides, not the words'),
    ];
    for (const err of closed) {
      assert.ok(isWorkflowClosed(err), String(err));
      const mapped = updateFailure(err, when);
      assert.ok(mapped instanceof StateConflictError, String(err));
      assert.equal(mapped.message, when.closed);
      assert.deepEqual(mapped.details, when.details);
    }
  });

  it('FAILED_PRECONDITION (a workflow not ready for an update) is no ended workflow', () => {
    assert.equal(isWorkflowClosed(new ServiceError('Workflow Update failed', { cause: grpcError(9, 'workflow is not ready to handle the update') })), false);
  });

  it('the words "already completed" alone do not make a 409: an unreachable Temporal is a 503', () => {
    const err = new ServiceError('workflow execution already completed', { cause: grpcError(14, 'connection refused') });
    assert.equal(isWorkflowClosed(err), false);
    assert.ok(updateFailure(err, when) instanceof UnavailableError);
  });

  it('Temporal not answering (unavailable, deadline, a plain network error) is a 503 saying nothing changed', () => {
    for (const err of [
      new ServiceError('Workflow Update failed', { cause: grpcError(14, 'No connection established') }),
      new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled', { cause: grpcError(4, 'deadline exceeded') }),
      new Error('connect ECONNREFUSED 127.0.0.1:7233'),
    ]) {
      const mapped = updateFailure(err, when);
      assert.ok(mapped instanceof UnavailableError, String(err));
      assert.match(mapped.message, /nothing changed/);
    }
  });

  it('an update that failed inside the workflow for another reason is passed on untouched (a bug, not a conflict)', () => {
    const err = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('boom', 'SomethingElse'));
    assert.equal(updateFailure(err, when), err);
  });

  it('a refused start is a 503, and a missing search attribute is named as a setup step', () => {
    assert.match(startFailure(grpcError(14, 'unavailable')).message, /Temporal is unreachable/);
    const missing = startFailure(new ServiceError('Failed to start Workflow', { cause: grpcError(3, 'search attribute TollgateKind is not defined') }));
    assert.ok(missing instanceof UnavailableError);
    assert.match(missing.message, /tollgate temporal setup/);
  });
});

describe('the Temporal calls read their errors through that mapping', () => {
  const failingClient = (err: Error) =>
    ({
      connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
      workflow: {
        getHandle: () => ({
          executeUpdate: async () => {
            throw err;
          },
          signal: async () => {
            throw err;
          },
        }),
      },
    }) as unknown as Client;

  it('runUpdate turns each kind into 409 / 503 / itself', async () => {
    const refused = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('already stopped', STATE_CONFLICT));
    await assert.rejects(runUpdate(failingClient(refused), 'subscription:sub_1', stopUpdate, [{ by: 'user' }], when), (e: unknown) => e instanceof StateConflictError && e.message === 'already stopped');
    const closed = new WorkflowNotFoundError('workflow execution already completed', 'subscription:sub_1', undefined);
    await assert.rejects(runUpdate(failingClient(closed), 'subscription:sub_1', stopUpdate, [{ by: 'user' }], when), (e: unknown) => e instanceof StateConflictError && e.message === when.closed);
    const away = new ServiceError('Workflow Update failed', { cause: grpcError(14, 'unavailable') });
    await assert.rejects(runUpdate(failingClient(away), 'subscription:sub_1', stopUpdate, [{ by: 'user' }], when), UnavailableError);
    const bug = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('boom', 'TypeError'));
    await assert.rejects(runUpdate(failingClient(bug), 'subscription:sub_1', stopUpdate, [{ by: 'user' }], when), (e: unknown) => e === bug);
  });

  it('a signal to an ended workflow reports "closed"; Temporal away throws for the relay to retry', async () => {
    const outcome = { status: 'succeeded' as const, code: 'ok', message: 'paid', gatewayTransactionId: 'tx_1' };
    const closed = new WorkflowNotFoundError('workflow execution already completed', 'payment:pay_1', undefined);
    assert.equal(await signalGatewayOutcome(failingClient(closed), 'pay_1', outcome, { timeoutMs: 100 }), 'closed');
    const away = new ServiceError('Failed to signal Workflow', { cause: grpcError(14, 'unavailable') });
    await assert.rejects(signalGatewayOutcome(failingClient(away), 'pay_1', outcome), (e: unknown) => e === away);
  });
});
