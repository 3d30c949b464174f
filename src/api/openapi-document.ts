import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.js';

type Document = ReturnType<OpenAPIHono<AppEnv>['getOpenAPIDocument']>;
type Operation = { security?: unknown[]; parameters?: unknown[]; requestBody?: unknown; responses?: Record<string, unknown> };

/** The generated form of openapi-common's problemContent: the Problem schema by reference. */
const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * The problems a route answers because of what runs in front of it rather than what it does, so
 * they are documented here, once, for every operation the middleware covers, instead of in each
 * route's own list (where schemathesis found them missing on 20 routes):
 * - a bearer-secured route: 401 (no key, an unknown, revoked or expired one), 403 (a scope
 *   missing), 404 (a customer token on a route customer tokens may not use finds nothing:
 *   src/api/middleware/auth.ts);
 * - a route with any parameter or body: 400 (createApp's defaultHook turns every failed schema
 *   into one validation problem);
 * - a route with a body: 413 (the body limit, MAX_BODY_BYTES);
 * - every route: 431 (request line and headers over the server's limit: src/api/server.ts).
 * A route's own description of one of these statuses is kept.
 */
export function withMiddlewareProblems(doc: Document): Document {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const add: Record<number, string> = {};
      if (op.security?.length) {
        add[401] = 'No API key, or an unknown, revoked or expired one';
        add[403] = 'The API key lacks the scope this route needs';
        add[404] = 'Not found (also what a customer token meets on a route it may not use)';
      }
      if (op.parameters?.length || op.requestBody) add[400] = 'The request does not match this route\'s schema';
      if (op.requestBody) add[413] = 'The body is larger than the server accepts';
      add[431] = 'The request line and headers are larger than the server accepts';
      op.responses ??= {};
      for (const [status, description] of Object.entries(add)) {
        op.responses[status] ??= { description, content: PROBLEM_CONTENT };
      }
    }
  }
  return doc;
}
