import { timingSafeEqual } from 'node:crypto';
import type { ApiDeps, App } from '../context.ts';
import { ApiProblem } from '../problem.ts';

/** GET /metrics: Prometheus text format; behind a bearer token when LEDGER_METRICS_TOKEN is set. */
export function metricsRoutes(app: App, deps: ApiDeps): void {
  const metrics = deps.metrics;
  if (!metrics) return;
  const expected = deps.config.security.metricsToken ? Buffer.from(`Bearer ${deps.config.security.metricsToken}`) : null;
  app.get('/metrics', async (c) => {
    if (expected) {
      const given = Buffer.from(c.req.header('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new ApiProblem('unauthorized', 'send Authorization: Bearer <LEDGER_METRICS_TOKEN>', [], { 'WWW-Authenticate': 'Bearer' });
      }
    }
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'Content-Type': metrics.registry.contentType });
  });
}
