import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../domain/errors.js';
import { type ApiKeyScope, findKeyByHash } from '../../db/api-keys.js';
import type { AppEnv } from '../env.js';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** admin may do everything, billing everything but admin work, read only reads. */
const IMPLIED: Readonly<Record<ApiKeyScope, readonly ApiKeyScope[]>> = {
  admin: ['admin', 'billing', 'read'],
  billing: ['billing', 'read'],
  read: ['read'],
  customer: [],
};

export function hasScope(granted: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return granted.some((g) => IMPLIED[g].includes(needed));
}

/**
 * `Authorization: Bearer <key>`; the key is looked up by its sha256, never stored. Routes that
 * customer-scoped tokens may use say so; elsewhere such a token finds nothing (404).
 */
export function requireScope(needed: ApiKeyScope, opts: { allowCustomerToken?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>"');
    const deps = c.get('deps');
    const key = await findKeyByHash(deps.pool, hashApiKey(m[1]));
    if (!key) throw new UnauthorizedError('the API key is unknown');
    // Which of the two ended it is no secret from someone holding the key, and tells its owner what to do.
    if (key.revoked_at !== null) throw new UnauthorizedError(`the API key ${key.id} was revoked at ${key.revoked_at.toISOString()}`);
    if (key.expires_at !== null && key.expires_at.getTime() <= deps.now().getTime()) {
      throw new UnauthorizedError(`the API key ${key.id} expired at ${key.expires_at.toISOString()}`);
    }
    if (key.customer_id !== null) {
      if (!opts.allowCustomerToken) throw new NotFoundError('not found');
      c.set('principal', { apiKeyId: key.id, scopes: key.scopes, customerId: key.customer_id });
      return next();
    }
    if (!hasScope(key.scopes, needed)) throw new ForbiddenError(`this API key lacks the "${needed}" scope`);
    c.set('principal', { apiKeyId: key.id, scopes: key.scopes, customerId: null });
    await next();
  });
}
