import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../auth/roles.ts';
import type { OverdraftPolicy } from './routes/accounts.ts';
import type { StreamConfig } from './routes/events.ts';

export interface Actor {
  id: string;
  role: 'admin' | 'anonymous';
}

export type AppEnv = {
  Variables: {
    requestId: string;
    /** The authenticated caller (set by middleware/authenticate.ts on every /v1 request). */
    principal: Principal;
  };
};

export type App = OpenAPIHono<AppEnv>;

export interface SecurityConfig {
  bodyLimitBytes: number;
  rateLimit: { ratePerSecond: number; burst: number };
  requestTimeoutMs: number;
  corsOrigins: readonly string[];
  /** When set, GET /metrics needs this bearer token. */
  metricsToken: string | null;
  /** LEDGER_METRICS_PUBLIC: /metrics without any token. Default: not public. */
  metricsPublic?: boolean;
  /** overdraftLimit: the most at all, and above which only an admin (LEDGER_MAX_OVERDRAFT_LIMIT, LEDGER_ADMIN_OVERDRAFT_ABOVE). */
  overdraft?: OverdraftPolicy;
  /** Failed authentications per client address and window (LEDGER_AUTH_FAILURES_*). */
  failedAuth?: { maxFailures: number; windowMs: number };
  /** Server-Sent Event streams' limits (src/http/routes/events.ts). */
  streams?: StreamConfig;
}
