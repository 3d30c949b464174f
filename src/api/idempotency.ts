import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { IdempotencyInProgressError, IdempotencyMismatchError, ValidationError } from '../domain/errors.js';
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  releaseIdempotencyKey,
  saveIdempotentResponse,
} from '../db/idempotency.js';
import type { AppEnv } from './env.js';

export interface StoredResponse<T> {
  status: 200 | 201;
  body: T;
  replayed: boolean;
}

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

/**
 * Runs a creating operation at most once per (API key, operation, Idempotency-Key): the same key
 * and body answer the stored response; the same key with another body is 422.
 */
export async function idempotent<T>(
  c: Context<AppEnv>,
  operation: string,
  requestBody: unknown,
  run: () => Promise<{ status: 200 | 201; body: T }>,
): Promise<StoredResponse<T>> {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return { ...(await run()), replayed: false };
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters');
  }
  const { pool } = c.get('deps');
  const ref = { apiKeyId: c.get('principal').apiKeyId, operation, key };
  const requestHash = createHash('sha256').update(canonicalJson(requestBody)).digest('hex');

  if (!(await claimIdempotencyKey(pool, { ...ref, requestHash }))) {
    const existing = await findIdempotencyKey(pool, ref);
    if (existing && existing.request_hash !== requestHash) {
      throw new IdempotencyMismatchError('this Idempotency-Key was used with a different request body');
    }
    if (!existing || existing.response_status === null) {
      throw new IdempotencyInProgressError('a request with this Idempotency-Key is still being processed; retry shortly');
    }
    return { status: existing.response_status as 200 | 201, body: existing.response_body as T, replayed: true };
  }
  try {
    const result = await run();
    await saveIdempotentResponse(pool, { ...ref, status: result.status, body: result.body });
    return { ...result, replayed: false };
  } catch (err) {
    await releaseIdempotencyKey(pool, ref);
    throw err;
  }
}
