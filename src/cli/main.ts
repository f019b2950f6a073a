import { availableParallelism } from 'node:os';
import { parseRoles, startSystem } from '../app/system.ts';
import { createLogger } from '../app/logger.ts';
import type { Storage } from '../app/storage.ts';
import { type Env, loadEnv } from '../config/env.ts';
import { assertCanListen, startHttpServer } from '../http/server.ts';
import { resetProjection } from '../projections/checkpoints.ts';
import { projections } from '../read-models/registry.ts';
import { verifyLedger } from '../verify/verify-ledger.ts';
import { demoCommand } from './demo-command.ts';
import { keysCommand } from './keys-command.ts';
import { reportCommand } from './report-command.ts';
import { toolReadModels, withStorage } from './tool-storage.ts';

const USAGE = `usage: ledger <command>
  serve [--role all|engine|projector|api[,...]]
            start the service on PORT: by default every role in one process; with Kafka the roles
            can run as separate processes (api nodes reach the engine through ledger.commands)
  migrate   apply database migrations and exit
  verify    recompute the hash chain and check the read models against a replay of the log
  rebuild   drop the read models and rebuild them from the log (stop the service first)
  demo      --fraud: sample population with planted fraud patterns, on a simulated clock
  report    write a report (PDF or CSV) to reports/: ledger report --help
  keys      create|list|revoke API keys on the database (recovery of a lost admin key): ledger keys --help`;

/** `ledger rebuild`: empty every read model's tables and replay the log into them. */
async function rebuild(storage: Storage, env: Env): Promise<number> {
  const all = projections(toolReadModels(env, storage));
  for (const projection of all) await resetProjection(storage.database.db, projection);
  await storage.catchUp(all, (name, ms) => console.log(`rebuilt ${name} in ${ms} ms`));
  return 0;
}

async function verify(storage: Storage): Promise<number> {
  const report = await verifyLedger(storage.log, storage.database.db);
  console.log(JSON.stringify(report, null, 2));
  return report.ok ? 0 : 1;
}

/** Grace period for a clean stop (HTTP server, engine, projections, log, database, data-dir lock). */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * SIGTERM or SIGINT (from a supervisor, from npm forwarding it, or Ctrl-C on the terminal, which
 * signals the whole process group) stops the service cleanly once; a second signal, or a stop
 * that outlasts the grace period, exits at once.
 */
function onShutdownSignal(logger: ReturnType<typeof createLogger>, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

const HELP = new Set(['--help', '-h', 'help']);
const COMMANDS = ['serve', 'migrate', 'verify', 'rebuild', 'demo', 'report', 'keys'];

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'serve';
  if (HELP.has(command) || (['serve', 'migrate', 'verify', 'rebuild'].includes(command) && argv.some((a) => HELP.has(a)))) {
    console.log(USAGE);
    return 0;
  }
  if (!COMMANDS.includes(command)) {
    console.error(`unknown command "${command}": one of ${COMMANDS.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  switch (command) {
    case 'serve': {
      const roleAt = argv.indexOf('--role');
      const roles = parseRoles(roleAt >= 0 ? (argv[roleAt + 1] ?? '') : env.LEDGER_ROLE);
      await assertCanListen({ port: env.PORT, hostname: env.HOST });
      const system = await startSystem(env, {
        logger,
        roles,
        projectorThread: env.LEDGER_PROJECTOR_THREAD === 'auto' ? availableParallelism() > 2 : env.LEDGER_PROJECTOR_THREAD === 'true',
        // Shown once on the terminal (stderr), never in the structured log.
        announceBootstrapToken: (token, file) => {
          process.stderr.write(`\nBootstrap admin token (shown once; also in ${file}, mode 0600):\n\n  ${token}\n\nUse it to create named keys:\n  curl -H "Authorization: Bearer $(cat ${file})" -H 'content-type: application/json' -d '{"name":"teller 1","role":"teller"}' http://localhost:${env.PORT}/v1/keys\n\n`);
        },
      });
      const server = await startHttpServer(
        system.app,
        { port: env.PORT, hostname: env.HOST, requestTimeoutMs: env.LEDGER_REQUEST_TIMEOUT_MS, headersTimeoutMs: env.LEDGER_HEADERS_TIMEOUT_MS },
        (port) => logger.info({ port, roles: [...system.roles], log: system.log.kind, database: system.database.kind, dataDir: env.DATABASE_URL ? null : env.LEDGER_DATA_DIR }, 'ledger listening'),
      ).catch(async (err: unknown) => {
        await system.close(); // releases the data-dir lock before the error is printed
        throw err;
      });
      onShutdownSignal(logger, async () => {
        server.close();
        server.closeIdleConnections();
        await system.close();
      });
      return -1;
    }
    case 'migrate':
      await withStorage(env, async () => console.log('migrations applied'));
      return 0;
    case 'verify':
      return withStorage(env, verify);
    case 'rebuild':
      return withStorage(env, (storage) => rebuild(storage, env));
    case 'demo':
      return demoCommand(env, logger, argv.slice(1));
    case 'report':
      return reportCommand(argv.slice(1), env);
    case 'keys':
      return keysCommand(argv.slice(1), env);
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
