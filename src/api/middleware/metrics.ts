import { createMiddleware } from 'hono/factory';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { AppEnv } from '../env.js';

/** Prometheus metrics of one API process, served at /metrics. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  callbacks: Counter<'gateway' | 'outcome'>;
  terminalAnswers: Counter<'network' | 'command' | 'result'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'tollgate_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tollgate_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    callbacks: new Counter({
      name: 'tollgate_callbacks_total',
      help: 'Gateway callbacks received, by gateway and journal outcome',
      labelNames: ['gateway', 'outcome'],
      registers: [registry],
    }),
    terminalAnswers: new Counter({
      name: 'tollgate_terminal_answers_total',
      help: 'OSMP answers to terminal networks, by network (a configured one, else "(unknown)"), command and protocol result code',
      labelNames: ['network', 'command', 'result'],
      registers: [registry],
    }),
  };
}

export function httpMetrics(metrics: Metrics) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const end = metrics.httpDuration.startTimer();
    await next();
    // The route template, not the path, so ids do not explode label cardinality.
    const route = c.req.routePath || 'unmatched';
    end({ method: c.req.method, route });
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
  });
}
