import { sql } from 'drizzle-orm';
import { parseRoles, startSystem } from '../app/system.ts';
import { createLogger } from '../app/logger.ts';
import { acquireDataDirLock } from '../app/data-dir-lock.ts';
import { type Env, loadEnv } from '../config/env.ts';
import { openDatabase } from '../db/client.ts';
import { startHttpServer } from '../http/server.ts';
import type { EventLog } from '../log/event-log.ts';
import { kafkaEventLogOptions } from '../log/kafka-config.ts';
import { KafkaEventLog } from '../log/kafka-event-log.ts';
import { PostgresEventLog } from '../log/postgres-event-log.ts';
import { loadFraudConfig } from '../app/fraud-config.ts';
import { anomalyProjection } from '../projections/anomaly-projection.ts';
import { auditProjection } from '../read-models/audit/projection.ts';
import { ledgerProjection } from '../read-models/ledger/projection.ts';
import { ProjectionRunner } from '../projections/runner.ts';
import { verifyLedger } from '../verify/verify-ledger.ts';
import { demoCommand } from './demo-command.ts';
import { reportCommand } from './report-command.ts';

const USAGE = `usage: ledger <command>
  serve [--role all|engine|projector|api[,...]]
            start the service on PORT: by default every role in one process; with Kafka the roles
            can run as separate processes (api nodes reach the engine through ledger.commands)
  migrate   apply database migrations and exit
  verify    recompute the hash chain and check the read models against a replay of the log
  rebuild   drop the read models and rebuild them from the log (stop the service first)
  demo      --fraud: sample population with planted fraud patterns, on a simulated clock
  report    write a report (PDF or CSV) to reports/: ledger report --help`;

async function openForTool(env: Env) {
  const release = env.DATABASE_URL ? null : acquireDataDirLock(env.LEDGER_DATA_DIR);
  const database = await openDatabase({ url: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : env.LEDGER_DATA_DIR });
  await database.migrate();
  // Read-only use of the log: no writer role is taken, so a running engine is not fenced.
  const kafka = kafkaEventLogOptions(env);
  const log: EventLog = kafka ? await new KafkaEventLog(kafka).start() : await new PostgresEventLog(database).start();
  return {
    database,
    log,
    close: async () => {
      await log.close();
      await database.close();
      release?.();
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'serve';
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  switch (command) {
    case 'serve': {
      const roleAt = argv.indexOf('--role');
      const roles = parseRoles(roleAt >= 0 ? (argv[roleAt + 1] ?? '') : env.LEDGER_ROLE);
      const system = await startSystem(env, {
        logger,
        roles,
        // Shown once on the terminal (stderr), never in the structured log.
        announceBootstrapToken: (token, file) => {
          process.stderr.write(`\nBootstrap admin token (shown once; also in ${file}, mode 0600):\n\n  ${token}\n\nUse it to create named keys:\n  curl -H "Authorization: Bearer $(cat ${file})" -H 'content-type: application/json' -d '{"name":"teller 1","role":"teller"}' http://localhost:${env.PORT}/v1/keys\n\n`);
        },
      });
      const server = await startHttpServer(
        system.app,
        { port: env.PORT, hostname: env.HOST, requestTimeoutMs: env.LEDGER_REQUEST_TIMEOUT_MS, headersTimeoutMs: env.LEDGER_HEADERS_TIMEOUT_MS },
        (port) => logger.info({ port, roles: [...system.roles], log: system.log.kind, database: system.database.kind, dataDir: env.DATABASE_URL ? null : env.LEDGER_DATA_DIR }, 'ledger listening'),
      );
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        server.close();
        void system.close().then(() => process.exit(0));
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      return -1;
    }
    case 'migrate': {
      const t = await openForTool(env);
      await t.close();
      console.log('migrations applied');
      return 0;
    }
    case 'verify': {
      const t = await openForTool(env);
      try {
        const report = await verifyLedger(t.log, t.database.db);
        console.log(JSON.stringify(report, null, 2));
        return report.ok ? 0 : 1;
      } finally {
        await t.close();
      }
    }
    case 'rebuild': {
      const t = await openForTool(env);
      try {
        for (const projection of [ledgerProjection, auditProjection, anomalyProjection(loadFraudConfig(env.LEDGER_FRAUD_RULES))]) {
          const started = Date.now();
          await t.database.db.transaction(async (tx) => {
            await tx.execute(sql.raw(`truncate ${projection.tables.join(', ')}`));
            await tx.execute(sql`delete from projection_checkpoints where projection = ${projection.name}`);
          });
          await new ProjectionRunner(t.database.db, t.log, projection, { batchSize: 2000 }).catchUp();
          console.log(`rebuilt ${projection.name} in ${Date.now() - started} ms`);
        }
        return 0;
      } finally {
        await t.close();
      }
    }
    case 'demo':
      return demoCommand(env, logger, argv.slice(1));
    case 'report':
      return reportCommand(argv.slice(1), env);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
