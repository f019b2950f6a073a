import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../app/logger.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { KeyStore } from '../auth/key-store.ts';
import type { Principal } from '../auth/roles.ts';
import type { CommandBus } from '../commands/command-bus.ts';
import type { AlertCommand } from '../domain/alert/commands.ts';
import type { CommandContext, ExecuteResult } from '../engine/ledger-engine.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AccountQueries } from '../read-models/ledger/queries.ts';
import type { FraudQueries } from '../read/fraud-queries.ts';
import type { ReportContext } from '../reports/report.ts';

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
}

/** Everything the HTTP layer needs, handed in by the composition root. */
export interface ApiDeps {
  commands: CommandBus;
  accounts: AccountQueries;
  log: EventLog;
  keys: KeyStore;
  authenticator: Authenticator;
  metrics: Metrics | null;
  logger: Logger;
  /** Audit log and report generators: read models, the log (chain verification), the alerts store. */
  reports: ReportContext;
  /** Position the ledger read model has reached in a partition (-1 when none). */
  projectedPosition(partition: number): Promise<number>;
  ready(): Promise<boolean>;
  /** Anomaly detection: alerts read model, alert lifecycle commands, and how far the anomaly projection got. */
  fraud: {
    queries: FraudQueries;
    commands: { execute(command: AlertCommand, ctx: CommandContext): Promise<ExecuteResult> };
    projectedPosition(partition: number): Promise<number>;
  };
  config: {
    minPositionWaitMs: number;
    security: SecurityConfig;
  };
}
