import { timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../../observability/metrics.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';

/** GET /metrics: Prometheus text format; behind a bearer token when LEDGER_METRICS_TOKEN is set. */
export function metricsRoutes(app: App, { metrics, token }: { metrics: Metrics | null; token: string | null }): void {
  if (!metrics) return;
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
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
