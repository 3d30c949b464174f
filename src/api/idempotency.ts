import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  IdempotencyInProgressError,
  IdempotencyMismatchError,
  NotFoundError,
  StateConflictError,
  ValidationError,
} from '../domain/errors.js';
import {
  claimIdempotencyKey,
  deleteExpiredIdempotencyKeys,
  findIdempotencyKey,
  type IdempotencyRef,
  releaseIdempotencyKey,
  saveIdempotentResponse,
} from '../db/idempotency.js';
import { inTransaction } from '../db/pool.js';
import type { AppDeps, Caller } from './env.js';
import { IDEMPOTENCY_KEY_PATTERN } from './openapi-common.js';

export interface StoredResponse<T> {
  status: 200 | 201;
  body: T;
  replayed: boolean;
}

type Answer<T> = { status: 200 | 201; body: T };

/** JSON with object keys sorted, so the same body hashes the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function keyOf(caller: Caller, operation: string): IdempotencyRef | undefined {
  const key = caller.idempotencyKey;
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters', { errors: [{ path: 'Idempotency-Key', message: '1–255 printable ASCII characters' }] });
  }
  return { apiKeyId: caller.principal.apiKeyId, operation, key };
}

/** The hash a key's request body is stored with (exported for tests that stage a half-done request). */
export const requestHashOf = (body: unknown) => createHash('sha256').update(canonicalJson(body)).digest('hex');
const hashOf = requestHashOf;

/** The id a workflow knows a keyed request by (the same on every retry of that key). */
export function workflowRequestId(ref: IdempotencyRef): string {
  return `idem_${createHash('sha256').update(`${ref.apiKeyId}\n${ref.operation}\n${ref.key}`).digest('base64url').slice(0, 32)}`;
}

/** What an existing key answers: 422 for another body, the saved response, or undefined (no answer yet). */
async function answerOf<T>(db: pg.Pool | pg.PoolClient, ref: IdempotencyRef, requestHash: string): Promise<StoredResponse<T> | undefined> {
  const existing = await findIdempotencyKey(db, ref);
  if (existing && existing.request_hash !== requestHash) {
    throw new IdempotencyMismatchError('this Idempotency-Key was used with a different request body');
  }
  if (!existing || existing.response_status === null) return undefined;
  return { status: existing.response_status as 200 | 201, body: existing.response_body as T, replayed: true };
}

/**
 * A creating operation whose business write is in Postgres, run at most once per (API key,
 * operation, Idempotency-Key): the key is claimed, the work done and the response saved in one
 * transaction, so a key whose work committed always has its response, and a failed request
 * leaves no key behind. A concurrent request with the same key waits for the first to commit,
 * then answers its response. The same key with another body is 422.
 */
export async function idempotent<T>(
  caller: Caller,
  operation: string,
  requestBody: unknown,
  run: (tx: pg.PoolClient) => Promise<Answer<T>>,
): Promise<StoredResponse<T>> {
  const ref = keyOf(caller, operation);
  const { pool, config } = caller.deps;
  if (!ref) return { ...(await inTransaction(pool, run)), replayed: false };
  const requestHash = hashOf(requestBody);
  return inTransaction(pool, async (tx) => {
    if (!(await claimIdempotencyKey(tx, { ...ref, requestHash, ttlMs: config.IDEMPOTENCY_KEY_TTL }))) {
      const stored = await answerOf<T>(tx, ref, requestHash);
      if (stored) return stored;
      throw new IdempotencyInProgressError('a request with this Idempotency-Key is still being processed; retry shortly');
    }
    const result = await run(tx);
    await saveIdempotentResponse(tx, { ...ref, status: result.status, body: result.body });
    return { ...result, replayed: false };
  });
}

/** Errors after which the workflow certainly did not take the request (refused by its validator, or never sent). */
function certainlyNotAccepted(err: unknown): boolean {
  return err instanceof StateConflictError || err instanceof ValidationError || err instanceof NotFoundError;
}

/**
 * An operation whose business write happens in a workflow (a charge), run at most once per key.
 * The key is claimed and committed first; then the workflow is asked, carrying `requestId` (from
 * the key) so that the workflow itself refuses a second charge for it and answers the first
 * result. Once the request may have reached the workflow the key is never given back: a retry —
 * after a timeout, a 503, or an API crash between "workflow accepted" and "response saved" —
 * asks the workflow again with the same requestId (`resumed`), gets the first result, and saves
 * it. Only a refusal that proves the workflow did nothing (409, 400, 404) releases the key.
 */
export async function idempotentWorkflowCall<T>(
  caller: Caller,
  operation: string,
  requestBody: unknown,
  opts: { required: boolean },
  run: (request: { id: string; keepMs: number; resumed: boolean } | undefined) => Promise<Answer<T>>,
): Promise<StoredResponse<T>> {
  const ref = keyOf(caller, operation);
  if (!ref) {
    if (opts.required) {
      throw new ValidationError('this call needs an Idempotency-Key header, so that a retried request never charges twice', {
        errors: [{ path: 'Idempotency-Key', message: 'required: a unique key per charge, the same on every retry' }],
      });
    }
    return { ...(await run(undefined)), replayed: false };
  }
  const { pool, config } = caller.deps;
  const requestHash = hashOf(requestBody);
  let resumed = false;
  if (!(await claimIdempotencyKey(pool, { ...ref, requestHash, ttlMs: config.IDEMPOTENCY_KEY_TTL }))) {
    const stored = await answerOf<T>(pool, ref, requestHash);
    if (stored) return stored;
    resumed = true;
  }
  const id = workflowRequestId(ref);
  let result: Answer<T>;
  try {
    result = await run({ id, keepMs: config.IDEMPOTENCY_KEY_TTL, resumed });
  } catch (err) {
    if (certainlyNotAccepted(err)) await releaseIdempotencyKey(pool, ref);
    throw err;
  }
  await saveIdempotentResponse(pool, { ...ref, status: result.status, body: result.body });
  return { ...result, replayed: resumed };
}

/** Deletes expired keys now and every IDEMPOTENCY_CLEANUP_INTERVAL_MS; returns a stop function. */
export function startIdempotencyCleanup(deps: Pick<AppDeps, 'pool' | 'log' | 'config'>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = async () => {
    let deleted = 0;
    for (let n = -1; n !== 0; ) {
      n = await deleteExpiredIdempotencyKeys(deps.pool, deps.config.IDEMPOTENCY_KEY_TTL, 1000);
      deleted += n;
    }
    if (deleted > 0) deps.log.info({ deleted }, 'deleted expired idempotency keys');
  };
  const run = () => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => deps.log.error({ err }, 'idempotency cleanup failed'))
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, deps.config.IDEMPOTENCY_CLEANUP_INTERVAL_MS);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
