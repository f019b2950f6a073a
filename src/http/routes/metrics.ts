import { timingSafeEqual } from 'node:crypto';
import type { Authenticator } from '../../auth/authenticator.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

export interface MetricsAccess {
  /** LEDGER_METRICS_TOKEN: when set, this token and only it. */
  token: string | null;
  /** LEDGER_METRICS_PUBLIC=true: no token at all (a scrape network you trust). */
  public: boolean;
  /** Otherwise an API key or JWT of an admin or auditor. */
  authenticator: Authenticator | null;
}

/**
 * GET /metrics: Prometheus text format. Not public by default (it tells request rates, refusal codes
 * and lag to whoever asks): the scrape token, else an admin or auditor credential, unless
 * LEDGER_METRICS_PUBLIC=true.
 */
export function metricsRoutes(app: App, { metrics, access }: { metrics: Metrics | null; access: MetricsAccess }): void {
  if (!metrics) return;
  const expected = access.token ? Buffer.from(`Bearer ${access.token}`) : null;
  app.get('/metrics', async (c) => {
    const header = c.req.header('authorization') ?? '';
    if (expected) {
      const given = Buffer.from(header);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new ApiProblem('unauthorized', 'send Authorization: Bearer <LEDGER_METRICS_TOKEN>', [], { 'WWW-Authenticate': 'Bearer' });
      }
    } else if (!access.public) {
      const token = BEARER.exec(header)?.[1];
      const principal = token && access.authenticator ? await access.authenticator.verify(token) : null;
      if (!principal) throw new ApiProblem('unauthorized', 'send Authorization: Bearer <an admin or auditor token>, or set LEDGER_METRICS_TOKEN', [], { 'WWW-Authenticate': 'Bearer' });
      if (principal.role !== 'admin' && principal.role !== 'auditor') throw new ApiProblem('forbidden', 'metrics are for admin and auditor credentials');
    }
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'Content-Type': metrics.registry.contentType });
  });
}
