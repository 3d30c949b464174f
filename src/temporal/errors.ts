import { isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { STATE_CONFLICT, StateConflictError, UnavailableError } from '../domain/errors.js';
import { isMissingSearchAttribute } from './setup.js';

/**
 * The one reading of what Temporal answered to a start, an update or a signal, for every caller
 * (the API, the relay, the statement activities). It goes by the error's class and gRPC status,
 * never by its message.
 */

/**
 * gRPC status (google.rpc.Code) of "this workflow execution is not running": the server answers
 * NOT_FOUND "workflow execution already completed". FAILED_PRECONDITION is not it — the server uses
 * it for transient states (an update the workflow is not ready for), which must stay retryable.
 */
const GRPC_NOT_FOUND = 5;

/** The gRPC status under a client error: the error itself, or the ServiceError the client wrapped it in. */
function grpcCode(err: unknown): number | undefined {
  if (isGrpcServiceError(err)) return Number(err.code);
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return isGrpcServiceError(cause) ? Number(cause.code) : undefined;
}

/**
 * The workflow has ended (or never ran): the client's WorkflowNotFoundError, or the server's
 * NOT_FOUND "workflow execution already completed" when the client passed it on wrapped.
 */
export function isWorkflowClosed(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const code = grpcCode(err);
  return code === GRPC_NOT_FOUND;
}

/** The reason a workflow's update validator gave when it refused (ApplicationFailure of type STATE_CONFLICT). */
export function stateConflictReason(err: unknown): string | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === STATE_CONFLICT) return err.cause.message;
  return undefined;
}

/** How the caller describes the aggregate when its workflow has ended, and the state the 409 carries. */
export interface ClosedWorkflow {
  /** The 409's sentence when the workflow is no longer running ("the subscription is system_stopped"). */
  closed: string;
  details?: Record<string, unknown>;
}

/**
 * What an update's failure means for the caller: the workflow refused (409 with its reason) or has
 * ended (409 saying so); an update that failed inside the workflow some other way is passed on as
 * it is (a bug, 500); anything else is Temporal not answering (503, nothing changed).
 */
export function updateFailure(err: unknown, when: ClosedWorkflow): Error {
  const refused = stateConflictReason(err);
  if (refused !== undefined) return new StateConflictError(refused, when.details);
  if (isWorkflowClosed(err)) return new StateConflictError(when.closed, when.details);
  if (err instanceof WorkflowUpdateFailedError) return err;
  return new UnavailableError('Temporal is unreachable; nothing changed, retry shortly', { cause: err instanceof Error ? err.message : String(err) });
}

/**
 * Why a workflow start failed, as the API says it: a namespace without Tollgate's search attributes
 * is an operator's setup step, not an outage, and is named as such.
 */
export function startFailure(err: unknown): UnavailableError {
  const cause = err instanceof Error ? err.message : String(err);
  if (isMissingSearchAttribute(err)) {
    return new UnavailableError(
      "Temporal refused to start the workflow because Tollgate's search attributes are not registered in its namespace (an operator runs `tollgate temporal setup`); nothing was created, retry with the same Idempotency-Key afterwards",
      { cause },
    );
  }
  return new UnavailableError('Temporal is unreachable; nothing was created, retry with the same Idempotency-Key', { cause });
}
