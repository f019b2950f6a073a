import type { CommandBus } from '../../commands/command-bus.ts';
import type { FraudQueries } from '../../read-models/anomaly/queries.ts';
import type { App } from '../context.ts';
import { waitForProjection } from '../read-your-writes.ts';
import { accountRoutes } from './fraud/accounts.ts';
import { alertRoutes } from './fraud/alerts.ts';
import { caseRoutes } from './fraud/cases.ts';
import { ownerRoutes } from './fraud/owners.ts';
import { referenceRoutes } from './fraud/reference.ts';

/**
 * Fraud and AML: alerts raised by the anomaly projector, their lifecycle, and analyst queries.
 * The route groups live in ./fraud/ (alerts, accounts, reference, cases, owners; schemas and helpers beside them).
 */
export function fraudRoutes(app: App, deps: { fraud: { queries: FraudQueries; commands: CommandBus; position(partition: number): Promise<number> }; waitMs: number }): void {
  const q = deps.fraud.queries;
  const wait = (partition: number | undefined, minPosition: number | undefined) => waitForProjection(deps.fraud, deps.waitMs, partition ?? 0, minPosition);

  const d = { queries: q, commands: deps.fraud.commands, wait };
  alertRoutes(app, d);
  accountRoutes(app, d);
  referenceRoutes(app, d);
  caseRoutes(app, d);
  ownerRoutes(app, d);
}
