import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../app/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AppEnv } from '../context.ts';
import { handlerRoute } from './authorize.ts';

/** The request counter and latency histogram of one method, route pattern and status, looked up once. */
interface RouteMetrics {
  count(): void;
  observe(seconds: number): void;
}

/**
 * One structured line per request (request id, route, status, latency, actor; never headers or
 * tokens) and the HTTP metrics, labelled by route pattern so ids in paths do not explode them.
 */
export function accessLog(logger: Logger, metrics: Metrics | null): MiddlewareHandler<AppEnv> {
  const byLabels = new Map<string, RouteMetrics>();
  // Label sets are bounded by routes × statuses; prom-client would hash the label object on every call.
  const routeMetrics = (m: Metrics, method: string, route: string, status: string): RouteMetrics => {
    const key = `${method} ${status} ${route}`;
    let found = byLabels.get(key);
    if (!found) {
      const counter = m.httpRequests.labels({ method, route, status });
      const histogram = m.httpDuration.labels({ method, route });
      found = { count: () => counter.inc(), observe: (s) => histogram.observe(s) };
      byLabels.set(key, found);
    }
    return found;
  };
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = handlerRoute(c)?.path ?? 'unmatched';
      const status = c.res.status;
      if (metrics) {
        const m = routeMetrics(metrics, c.req.method, route, String(status));
        m.count();
        m.observe(seconds);
      }
      const entry = {
        requestId: c.get('requestId'),
        method: c.req.method,
        route,
        path: c.req.path.slice(0, 256),
        status,
        ms: Math.round(seconds * 10_000) / 10,
        actor: c.get('principal')?.actor ?? null,
      };
      if (status >= 500) logger.error(entry, 'request failed');
      else logger.info(entry, 'request');
    }
  };
}
