import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import {
  DomainError,
  ForbiddenError,
  IdempotencyInProgressError,
  IdempotencyMismatchError,
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  StateConflictError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
  RuleViolationError,
  UnprocessableContentError,
  ValidationError,
} from '../domain/errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { AppEnv } from './env.js';

/** RFC 9457 problem details, the body of every error Tollgate answers. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  request_id: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi('Problem');
export type Problem = z.infer<typeof ProblemSchema>;

/** Each domain error class answers with one status. The only place that decides it. */
const STATUS_BY_ERROR: ReadonlyArray<readonly [new (...args: never[]) => DomainError, ContentfulStatusCode, string]> = [
  [ValidationError, 400, 'Invalid request'],
  [MalformedRequestError, 400, 'Malformed request'],
  [UnauthorizedError, 401, 'Unauthorized'],
  [ForbiddenError, 403, 'Forbidden'],
  [NotFoundError, 404, 'Not found'],
  [StateConflictError, 409, 'Conflict'],
  [IdempotencyInProgressError, 409, 'Request in progress'],
  [PayloadTooLargeError, 413, 'Payload too large'],
  [IdempotencyMismatchError, 422, 'Idempotency key reused'],
  [UnprocessableContentError, 422, 'Unprocessable file'],
  [RuleViolationError, 422, 'Refused by a business rule'],
  [TooManyRequestsError, 429, 'Too many requests'],
  [UnavailableError, 503, 'Service unavailable'],
];

const TITLE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed',
  408: 'Request timeout', 409: 'Conflict', 413: 'Payload too large', 415: 'Unsupported media type', 422: 'Unprocessable content',
  429: 'Too many requests', 431: 'Request header fields too large', 500: 'Internal server error', 503: 'Service unavailable',
};

export function problemBody(
  status: number,
  code: string,
  detail: string,
  requestId: string | undefined,
  errors?: Problem['errors'],
  title?: string,
): Problem {
  return {
    type: `/problems/${code}`,
    title: title ?? TITLE_BY_STATUS[status] ?? 'Error',
    status,
    detail,
    code,
    ...(requestId ? { request_id: requestId } : {}),
    ...(errors ? { errors } : {}),
  };
}

export function problemResponse(c: Context<AppEnv>, status: ContentfulStatusCode, body: Problem, extra: Record<string, string> = {}): Response {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', ...extra };
  // A refused body may still be in flight; the connection cannot be reused for the next request.
  if (status === 413) headers.connection = 'close';
  return c.body(JSON.stringify(body), status, headers);
}

export function zodIssues(error: z.ZodError): NonNullable<Problem['errors']> {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

/** The one onError: domain errors by class, HTTP exceptions by status, anything else 500 without internals. */
export function toProblem(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId');
  if (err instanceof DomainError) {
    const entry = STATUS_BY_ERROR.find(([cls]) => err instanceof cls);
    const [, status, title] = entry ?? [undefined, 500 as const, 'Error'];
    const errors = Array.isArray(err.details?.errors) ? (err.details.errors as Problem['errors']) : undefined;
    const headers: Record<string, string> = err instanceof TooManyRequestsError ? { 'retry-after': String(err.retryAfterSeconds) } : {};
    return problemResponse(c, status, problemBody(status, err.code, err.message, requestId, errors, title), headers);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 400 ? 'malformed_request' : status === 413 ? 'payload_too_large' : `http_${status}`;
    return problemResponse(c, status, problemBody(status, code, err.message || (TITLE_BY_STATUS[status] ?? 'Error'), requestId));
  }
  // The ledger is down or restarting: the caller retries (a gateway re-sends its callback) — a 503,
  // never a 500. Whatever was journaled before the outage stays journaled.
  if (isDatabaseUnavailable(err)) {
    return problemResponse(c, 503, problemBody(503, 'service_unavailable', 'The database is unreachable; retry shortly', requestId), { 'retry-after': '1' });
  }
  // Text Postgres cannot store (a NUL character, an invalid byte sequence) in an otherwise valid
  // request: the caller's input, not our failure.
  const pgCode = (err as { code?: unknown } | null)?.code;
  if (pgCode === '22021' || pgCode === '22P05') {
    return problemResponse(c, 400, problemBody(400, 'validation_failed', 'the request contains text that cannot be stored (a NUL character or an invalid byte sequence)', requestId));
  }
  (c.get('log') ?? console).error({ err }, 'unhandled error');
  return problemResponse(c, 500, problemBody(500, 'internal_error', 'An unexpected error occurred; it has been logged.', requestId));
}
