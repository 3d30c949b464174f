import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createHash, timingSafeEqual } from 'node:crypto';
import { NotFoundError, UnauthorizedError } from '../../domain/errors.js';
import { temporalReachable } from '../../temporal/queries.js';
import type { AppEnv } from '../env.js';

/** Compares digests, so neither the token's length nor its prefix shows in the timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(token));
}

const Health = z.object({ status: z.literal('ok') }).openapi('Health');
const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({ postgres: z.enum(['ok', 'down']), temporal: z.enum(['ok', 'down']) }),
  })
  .openapi('Readiness');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'The process is up',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: Health } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Postgres and Temporal are reachable',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: Readiness } } },
    503: { description: 'A dependency is down', content: { 'application/json': { schema: Readiness } } },
  },
});

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref()),
  ]);
}

export function systemRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const { pool, temporal } = c.get('deps');
    const [postgres, temporalCheck] = await Promise.all([
      withTimeout(pool.query('SELECT 1')).then(() => 'ok' as const, () => 'down' as const),
      temporalReachable(temporal, CHECK_TIMEOUT_MS).then((up) => (up ? ('ok' as const) : ('down' as const))),
    ]);
    const ready = postgres === 'ok' && temporalCheck === 'ok';
    const body = { status: ready ? ('ready' as const) : ('unavailable' as const), checks: { postgres, temporal: temporalCheck } };
    return ready ? c.json(body, 200) : c.json(body, 503);
  });

  app.get('/metrics', async (c) => {
    const { metrics, config } = c.get('deps');
    // Production without a token is closed, not open: the series name networks, gateways and
    // volumes a stranger has no business reading, and a forgotten variable must not publish them.
    if (config.TOLLGATE_ENV === 'production' && !config.METRICS_TOKEN) throw new NotFoundError('set METRICS_TOKEN to expose metrics');
    if (config.METRICS_TOKEN && !bearerMatches(c.req.header('authorization'), config.METRICS_TOKEN)) {
      throw new UnauthorizedError('send the metrics token as "Authorization: Bearer <METRICS_TOKEN>"');
    }
    const { registry } = metrics;
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });

  return app;
}
