import type { Context } from 'hono';
import type { AppEnv, Caller } from './env.js';

/** The plain inputs a service takes from an authenticated request (see Caller). */
export function callerOf(c: Context<AppEnv>): Caller {
  return { deps: c.get('deps'), principal: c.get('principal'), idempotencyKey: c.req.header('idempotency-key') };
}
