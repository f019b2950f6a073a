import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CommandBus } from '../commands/command-bus.ts';
import type { AlertCommand } from '../domain/alert/commands.ts';
import type { CommandContext, ExecuteResult } from '../engine/ledger-engine.ts';
import type { EventLog } from '../log/event-log.ts';
import type { AccountQueries } from '../read/account-queries.ts';
import type { FraudQueries } from '../read/fraud-queries.ts';

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
    bootstrapToken: string | null;
    minPositionWaitMs: number;
  };
}
