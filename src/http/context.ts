import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CommandBus } from '../commands/command-bus.ts';
import type { EventLog } from '../log/event-log.ts';
import type { AccountQueries } from '../read/account-queries.ts';
import type { ReportContext } from '../reports/report.ts';

export interface Actor {
  id: string;
  role: 'admin' | 'anonymous';
}

export type AppEnv = {
  Variables: {
    requestId: string;
    actor: Actor;
  };
};

export type App = OpenAPIHono<AppEnv>;

/** Everything the HTTP layer needs, handed in by the composition root. */
export interface ApiDeps {
  commands: CommandBus;
  accounts: AccountQueries;
  log: EventLog;
  /** Audit log and report generators: read models, the log (chain verification), the alerts store. */
  reports: ReportContext;
  /** Position the ledger read model has reached in a partition (-1 when none). */
  projectedPosition(partition: number): Promise<number>;
  ready(): Promise<boolean>;
  config: {
    bootstrapToken: string | null;
    minPositionWaitMs: number;
  };
}
