/**
 * Typed domain errors. The API maps each class to one problem+json status in one place
 * (src/api/problem.ts); workflows and activities name them in nonRetryableErrorTypes.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that is well-formed but not acceptable (bad amount for the currency, unknown currency). */
export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

/**
 * Well-formed, valid input that a business rule refuses (a first charge in the past, an amount
 * outside the gateway's limits, a schedule too short for the gateway's mode) → 422.
 */
export class RuleViolationError extends DomainError {
  readonly code = 'rule_violation';
}

/** A RuleViolationError about one request field, named in the problem's errors[]. */
export function ruleViolation(path: string, message: string): RuleViolationError {
  return new RuleViolationError(`${path}: ${message}`, { errors: [{ path, message }] });
}

/**
 * The ApplicationFailure type a workflow's update validator refuses with when the state does not
 * allow the request; src/temporal/errors.ts turns it into a StateConflictError (→ 409). Here, not
 * in one workflow's messages, because every workflow and the client share it.
 */
export const STATE_CONFLICT = 'StateConflict';

/** The aggregate is not in a state that allows the request (stop a stopped subscription). */
export class StateConflictError extends DomainError {
  readonly code = 'state_conflict';
}

/** Same Idempotency-Key, different request. */
export class IdempotencyMismatchError extends DomainError {
  readonly code = 'idempotency_key_reused';
}

/** Same Idempotency-Key while the first request is still being processed. */
export class IdempotencyInProgressError extends DomainError {
  readonly code = 'idempotency_key_in_progress';
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
}

/** The request body is not parseable (malformed JSON); schema failures are ValidationError. */
export class MalformedRequestError extends DomainError {
  readonly code = 'malformed_request';
}

/** The server is busy with as much of this kind of work as it takes at once; retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends DomainError {
  readonly code = 'too_many_requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A dependency (Temporal, Postgres) is unreachable; the caller may retry. */
export class UnavailableError extends DomainError {
  readonly code = 'service_unavailable';
}

/** Well-formed request whose content (an uploaded file) cannot be processed; says where it broke. */
export class UnprocessableContentError extends DomainError {
  readonly code = 'unprocessable_file';
}
