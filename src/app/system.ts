import type { Env } from '../config/env.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { LedgerEngine } from '../engine/ledger-engine.ts';
import { createApp } from '../http/app.ts';
import type { App } from '../http/context.ts';
import type { EventLog } from '../log/event-log.ts';
import { PostgresEventLog } from '../log/postgres-event-log.ts';
import { readCheckpoint } from '../projections/checkpoints.ts';
import { auditProjection } from '../projections/audit-projection.ts';
import { ledgerProjection } from '../projections/ledger-projection.ts';
import { ProjectionRunner } from '../projections/runner.ts';
import { accountQueries } from '../read/account-queries.ts';
import { tableAlertSource } from '../reports/alerts-source.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import type { Logger } from './logger.ts';

export interface System {
  app: App;
  engine: LedgerEngine;
  database: Database;
  log: EventLog;
  runners: ProjectionRunner[];
  close(): Promise<void>;
}

export interface SystemOptions {
  /** Use this database instead of opening one from the environment (tests). */
  database?: Database;
  logger: Logger;
}

/** The composition root: everything is wired here and nowhere else. */
export async function startSystem(env: Env, options: SystemOptions): Promise<System> {
  const { logger } = options;
  const releaseLock = options.database || env.DATABASE_URL ? null : acquireDataDirLock(env.LEDGER_DATA_DIR);
  const database = options.database ?? (await openDatabase({ url: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : env.LEDGER_DATA_DIR }));
  await database.migrate();

  const log = await new PostgresEventLog(database).start();
  const engine = new LedgerEngine(log);
  engine.onFenced((err) => logger.error({ err: err.message }, 'this writer was fenced by another writer; commands are refused'));
  const started = Date.now();
  await engine.start();
  logger.info({ accounts: engine.accountCount, ms: Date.now() - started }, 'engine rebuilt from the log');

  const runners = [ledgerProjection, auditProjection].map(
    (projection) =>
      new ProjectionRunner(database.db, log, projection, {
        onError: (err, name) => logger.error({ err: (err as Error).message, projection: name }, 'projection batch failed; retrying'),
      }),
  );
  for (const r of runners) r.start();
  const ledgerRunner = runners[0]!;

  const app = createApp(
    {
      commands: engine,
      accounts: accountQueries(database.db),
      log,
      reports: { db: database.db, log, alerts: tableAlertSource(database.db) },
      projectedPosition: async (partition) => ledgerRunner.positions.get(partition) ?? readCheckpoint(database.db, ledgerProjection.name, partition),
      ready: async () => true,
      config: { bootstrapToken: env.LEDGER_BOOTSTRAP_TOKEN ?? null, minPositionWaitMs: env.LEDGER_MIN_POSITION_WAIT_MS },
    },
    logger,
  );

  return {
    app,
    engine,
    database,
    log,
    runners,
    async close() {
      await engine.drain();
      await Promise.all(runners.map((r) => r.stop()));
      await log.close();
      if (!options.database) await database.close();
      releaseLock?.();
    },
  };
}
