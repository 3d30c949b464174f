import type { Queryable } from './pool.js';

export interface IdempotencyRow {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/** Claims a key for a request. Returns true if this call owns it now; false if it existed. */
export async function claimIdempotencyKey(
  db: Queryable,
  k: { apiKeyId: string; operation: string; key: string; requestHash: string },
): Promise<boolean> {
  const res = await db.query({
    text: `INSERT INTO idempotency_keys (api_key_id, operation, key, request_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
    values: [k.apiKeyId, k.operation, k.key, k.requestHash],
  });
  return res.rowCount === 1;
}

export async function findIdempotencyKey(
  db: Queryable,
  k: { apiKeyId: string; operation: string; key: string },
): Promise<IdempotencyRow | undefined> {
  const res = await db.query<IdempotencyRow>({
    text: `SELECT request_hash, response_status, response_body FROM idempotency_keys
            WHERE api_key_id = $1 AND operation = $2 AND key = $3`,
    values: [k.apiKeyId, k.operation, k.key],
  });
  return res.rows[0];
}

export async function saveIdempotentResponse(
  db: Queryable,
  k: { apiKeyId: string; operation: string; key: string; status: number; body: unknown },
): Promise<void> {
  await db.query({
    text: `UPDATE idempotency_keys SET response_status = $4, response_body = $5::jsonb
            WHERE api_key_id = $1 AND operation = $2 AND key = $3`,
    values: [k.apiKeyId, k.operation, k.key, k.status, JSON.stringify(k.body)],
  });
}

export async function releaseIdempotencyKey(db: Queryable, k: { apiKeyId: string; operation: string; key: string }): Promise<void> {
  await db.query({
    text: `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND operation = $2 AND key = $3 AND response_status IS NULL`,
    values: [k.apiKeyId, k.operation, k.key],
  });
}
