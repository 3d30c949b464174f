import { z } from '@hono/zod-openapi';
import { parseIsoDurationMs } from '../../domain/duration.js';
import { ValidationError } from '../../domain/errors.js';
import { Instant } from '../openapi-common.js';

/** `expires_at` or `expires_in`, as POST /v1/api-keys and POST /v1/customers/:id/tokens take them. */
export const ExpiryFields = {
  expires_at: Instant.optional().openapi({ type: 'string', format: 'date-time', description: 'When the key stops working; in the future. Not with expires_in.' }),
  expires_in: z.string().max(40).optional().openapi({ description: 'ISO 8601 duration from now (PT1H, P7D). Not with expires_at.', example: 'P30D' }),
};

/** No key lives longer than this, whatever the caller asks (a far-off date is also no valid timestamp). */
export const MAX_KEY_LIFETIME_MS = 3650 * 86_400_000;

export interface ExpiryRule {
  /** Used when neither field is given; undefined: no expiry. */
  defaultMs?: number;
  /** The longest allowed lifetime from now. */
  maxMs?: number;
  maxText?: string;
}

/** The moment a new key expires (null: never), refusing both fields at once, the past and past the maximum. */
export function resolveExpiry(body: { expires_at?: Date | undefined; expires_in?: string | undefined }, now: Date, rule: ExpiryRule = {}): Date | null {
  const fail = (path: string, message: string) => new ValidationError(`${path}: ${message}`, { errors: [{ path, message }] });
  if (body.expires_at !== undefined && body.expires_in !== undefined) throw fail('expires_in', 'give expires_at or expires_in, not both');
  let at: Date | null;
  if (body.expires_in !== undefined) {
    let ms: number;
    try {
      ms = parseIsoDurationMs(body.expires_in);
    } catch (err) {
      throw fail('expires_in', err instanceof Error ? err.message : String(err));
    }
    if (!Number.isFinite(ms) || ms <= 0) throw fail('expires_in', 'must be a positive ISO 8601 duration');
    at = new Date(now.getTime() + Math.min(ms, MAX_KEY_LIFETIME_MS + 1));
  } else if (body.expires_at !== undefined) {
    at = body.expires_at;
    if (at.getTime() <= now.getTime()) throw fail('expires_at', 'must be in the future');
  } else {
    at = rule.defaultMs === undefined ? null : new Date(now.getTime() + rule.defaultMs);
  }
  const maxMs = Math.min(rule.maxMs ?? MAX_KEY_LIFETIME_MS, MAX_KEY_LIFETIME_MS);
  if (at !== null && (Number.isNaN(at.getTime()) || at.getTime() - now.getTime() > maxMs)) {
    const text = rule.maxMs !== undefined && rule.maxMs <= MAX_KEY_LIFETIME_MS ? (rule.maxText ?? `${rule.maxMs} ms`) : 'ten years';
    throw fail(body.expires_in !== undefined ? 'expires_in' : 'expires_at', `at most ${text} from now`);
  }
  return at;
}
