import { parseRoles, startSystem } from '../app/system.ts';
import { createLogger } from '../app/logger.ts';
import type { Storage } from '../app/storage.ts';
import { type Env, loadEnv } from '../config/env.ts';
import { assertCanListen, startHttpServer } from '../http/server.ts';
import { resetProjection } from '../projections/checkpoints.ts';
import { projections } from '../read-models/registry.ts';
import { type ParseArgsOptionsConfig, type ParsedCommand, UsageError, parseCommand, stringOption } from './args.ts';
import { DEMO_OPTIONS, DEMO_USAGE, demoCommand, demoOptions } from './demo-command.ts';
import { KEYS_OPTIONS, KEYS_USAGE, keysCommand } from './keys-command.ts';
import { REPORT_OPTIONS, REPORT_USAGE, reportCommand } from './report-command.ts';
import { STOP_USAGE, stopCommand } from './stop-command.ts';
import { catchUpWithProgress, toolReadModels, withStorage } from './tool-storage.ts';
import { VERIFY_USAGE, verifyCommand } from './verify-command.ts';

const USAGE = `usage: ledger <command>
  serve [--role all|engine|projector|api[,...]]
            start the service on PORT: by default every role in one process; with Kafka the roles
            can run as separate processes (api nodes reach the engine through ledger.commands)
  migrate   apply database migrations and exit
  verify    recompute the hash chain and compare every read model with a replay of the log
  rebuild   drop the read models and rebuild them from the log (stop the service first)
  demo      --fraud: sample population with planted fraud patterns, on a simulated clock
  report    write a report (PDF or CSV) to reports/
  keys      create|list|revoke API keys on the database (recovery of a lost admin key)
  stop      stop the service holding LEDGER_DATA_DIR (what npm stop runs)
ledger <command> --help tells more; configuration comes from the environment (README: Configuration).`;

/** `ledger rebuild`: empty every read model's tables and replay the log into them. */
async function rebuild(storage: Storage, env: Env): Promise<number> {
  const all = projections(toolReadModels(env, storage));
  for (const projection of all) await resetProjection(storage.database.db, projection);
  await catchUpWithProgress('rebuild', storage, all, (name, ms) => console.log(`rebuilt ${name} in ${ms} ms`));
  return 0;
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

const SERVE_USAGE = `usage: ledger serve [--role all|engine|projector|api[,...]]
  the service on PORT (HOST), until SIGTERM or SIGINT; by default every role in one process (LEDGER_ROLE).
  With Kafka the roles can run as separate processes: api nodes reach the engine through ledger.commands.`;
const MIGRATE_USAGE = 'usage: ledger migrate\n  applies the database migrations (DATABASE_URL, else LEDGER_DATA_DIR) and exits; serve also does it at start';
const REBUILD_USAGE = 'usage: ledger rebuild\n  empties every read model and replays the log into it, with progress on a terminal (stop the service first)';

interface CommandSpec {
  usage: string;
  options?: ParseArgsOptionsConfig;
  positionals?: number;
  run(parsed: ParsedCommand, env: Env): Promise<number>;
}

/** Every command: its usage, its options (one parser for all: parseCommand) and what it runs. */
const COMMANDS: Record<string, CommandSpec> = {
  serve: { usage: SERVE_USAGE, options: { role: { type: 'string' } }, run: (p, env) => serve(env, stringOption(p.values, 'role')) },
  migrate: { usage: MIGRATE_USAGE, run: async (_p, env) => withStorage(env, async () => (console.log('migrations applied'), 0)) },
  verify: { usage: VERIFY_USAGE, run: (_p, env) => verifyCommand(env) },
  rebuild: { usage: REBUILD_USAGE, run: (_p, env) => withStorage(env, (storage) => rebuild(storage, env)) },
  demo: { usage: DEMO_USAGE, options: DEMO_OPTIONS, run: (p, env) => demoCommand(env, demoOptions(p)) },
  report: { usage: REPORT_USAGE, options: REPORT_OPTIONS, positionals: 1, run: reportCommand },
  keys: { usage: KEYS_USAGE, options: KEYS_OPTIONS, positionals: 2, run: keysCommand },
  stop: { usage: STOP_USAGE, run: (_p, env) => stopCommand(env) },
};

async function serve(env: Env, role: string | undefined): Promise<number> {
  const logger = createLogger(env.LOG_LEVEL);
  const roles = parseRoles(role ?? env.LEDGER_ROLE);
  await assertCanListen({ port: env.PORT, hostname: env.HOST });
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

/** Exit code: 0 done, 1 failed or refused, 2 a usage mistake (said on stderr), 3 verify found a read model differing; -1 keeps serving. */
async function main(argv: string[]): Promise<number> {
  const [first = 'serve', ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    const about = rest[0] ? COMMANDS[rest[0]] : undefined;
    console.log(about ? about.usage : USAGE);
    return 0;
  }
  const spec = COMMANDS[first];
  if (!spec) {
    console.error(`unknown command "${first}": one of ${Object.keys(COMMANDS).join(', ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    const parsed = parseCommand(first, rest, spec.options, spec.positionals);
    if (parsed.help) {
      console.log(spec.usage);
      return 0;
    }
    return await spec.run(parsed, loadEnv());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n(ledger ${first} --help for its usage)`);
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
