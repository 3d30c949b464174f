import type { Queryable } from './pool.js';

/** A row of `idempotency_keys`: one (API key, operation, Idempotency-Key) and what it answered. */
export interface IdempotencyRow {
  request_hash: string;
  /** null while the request is being processed (or, for a workflow call, was accepted and not yet answered). */
  response_status: number | null;
  response_body: unknown;
  created_at: Date;
}

export interface IdempotencyRef {
  apiKeyId: string;
  operation: string;
  key: string;
}

/**
 * Claims a key for a request. True if this call owns it now: it did not exist, or it had expired
 * (older than ttlMs), in which case it starts over. Inside a transaction, a concurrent claim of
 * the same key waits here until the first transaction ends.
 */
export async function claimIdempotencyKey(db: Queryable, k: IdempotencyRef & { requestHash: string; ttlMs: number }): Promise<boolean> {
  const res = await db.query({
    text: `INSERT INTO idempotency_keys (api_key_id, operation, key, request_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT (api_key_id, operation, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL, created_at = now()
            WHERE idempotency_keys.created_at < now() - make_interval(secs => $5::double precision / 1000)`,
    values: [k.apiKeyId, k.operation, k.key, k.requestHash, k.ttlMs],
  });
  return res.rowCount === 1;
}

export async function findIdempotencyKey(db: Queryable, k: IdempotencyRef): Promise<IdempotencyRow | undefined> {
  const res = await db.query<IdempotencyRow>({
    text: `SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys
            WHERE api_key_id = $1 AND operation = $2 AND key = $3`,
    values: [k.apiKeyId, k.operation, k.key],
  });
  return res.rows[0];
}

/** Records the answer once; a second save (a concurrent retry that finished too) changes nothing. */
export async function saveIdempotentResponse(db: Queryable, k: IdempotencyRef & { status: number; body: unknown }): Promise<void> {
  await db.query({
    text: `UPDATE idempotency_keys SET response_status = $4, response_body = $5::jsonb
            WHERE api_key_id = $1 AND operation = $2 AND key = $3 AND response_status IS NULL`,
    values: [k.apiKeyId, k.operation, k.key, k.status, JSON.stringify(k.body)],
  });
}

/** Gives a key back when its request certainly did nothing; never a key with a saved response. */
export async function releaseIdempotencyKey(db: Queryable, k: IdempotencyRef): Promise<void> {
  await db.query({
    text: `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND operation = $2 AND key = $3 AND response_status IS NULL`,
    values: [k.apiKeyId, k.operation, k.key],
  });
}

/** Deletes up to `limit` keys older than ttlMs, oldest first; returns how many. */
export async function deleteExpiredIdempotencyKeys(db: Queryable, ttlMs: number, limit: number): Promise<number> {
  const res = await db.query({
    text: `DELETE FROM idempotency_keys WHERE ctid IN (
             SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)
              ORDER BY created_at LIMIT $2)`,
    values: [ttlMs, limit],
  });
  return res.rowCount ?? 0;
}
