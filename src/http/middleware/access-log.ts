import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../app/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AppEnv } from '../context.ts';
import { handlerRoute } from './authorize.ts';

/**
 * One structured line per request (request id, route, status, latency, actor; never headers or
 * tokens) and the HTTP metrics, labelled by route pattern so ids in paths do not explode them.
 */
export function accessLog(logger: Logger, metrics: Metrics | null): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = handlerRoute(c)?.path ?? 'unmatched';
      const status = c.res.status;
      metrics?.httpRequests.inc({ method: c.req.method, route, status: String(status) });
      metrics?.httpDuration.observe({ method: c.req.method, route }, seconds);
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
