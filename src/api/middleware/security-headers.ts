import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.js';

/**
 * Every HTML page (pay page, sandbox checkout, bank-transfer page, /docs) runs only our own
 * scripts, cannot be framed, leaks no URL (payment-link tokens sit in the path) through Referer,
 * and is not kept by a cache. Inline styles stay allowed: the pages carry their CSS inline and
 * Swagger UI sets style attributes; no inline script is allowed anywhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders() {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
    if (!(c.res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html')) return;
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', 'no-store');
  });
}
